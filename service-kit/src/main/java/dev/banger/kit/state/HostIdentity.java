package dev.banger.kit.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the running process the JDK has no direct API for. */
public final class HostIdentity {

  private HostIdentity() {}

  /** The effective uid of this process: /proc/self is owned by it. */
  public static int currentUid() {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException e) {
      throw new IllegalStateException("cannot read this process's uid from /proc/self", e);
    }
  }
}
