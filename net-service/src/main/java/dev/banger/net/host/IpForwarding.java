package dev.banger.net.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code net.ipv4.ip_forward} of the network namespace this process is in, through /proc/sys
 * (per-namespace; writable with CAP_NET_ADMIN, no sysctl binary needed).
 */
public final class IpForwarding {

  public static final Path PROC = Path.of("/proc/sys/net/ipv4/ip_forward");

  private final Path file;

  public IpForwarding(Path file) {
    this.file = file;
  }

  public boolean enabled() throws IOException {
    return Files.readString(file, StandardCharsets.US_ASCII).strip().equals("1");
  }

  public void set(boolean on) throws IOException {
    Files.writeString(file, on ? "1\n" : "0\n", StandardCharsets.US_ASCII);
  }
}
