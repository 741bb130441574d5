package dev.banger.ext4;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this process may edit block devices: decided from its effective capabilities. */
public interface BlockDevicePolicy {

  boolean mayEditBlockDevices();

  /** What is needed, for error messages. */
  default String requirement() {
    return "CAP_SYS_ADMIN";
  }

  /** Reads {@code CapEff} from {@code /proc/self/status}: CAP_SYS_ADMIN is bit 21. */
  static BlockDevicePolicy fromProcess() {
    boolean allowed;
    try {
      allowed =
          Files.readAllLines(Path.of("/proc/self/status")).stream()
              .filter(l -> l.startsWith("CapEff:"))
              .map(l -> Long.parseUnsignedLong(l.substring(7).trim(), 16))
              .anyMatch(caps -> (caps & (1L << 21)) != 0);
    } catch (IOException | NumberFormatException e) {
      allowed = false;
    }
    boolean result = allowed;
    return () -> result;
  }

  static BlockDevicePolicy never() {
    return () -> false;
  }
}
