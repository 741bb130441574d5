package dev.banger.kit.grpc;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where a service listens and who the socket file belongs to: the first of the two authorization
 * layers (the second is the peer-credential check on every call).
 *
 * @param path absolute socket path; at most 107 bytes (the kernel's sun_path limit)
 * @param mode permission bits, e.g. 0660
 * @param owner user name or numeric uid to chown to; null keeps the service's own
 * @param group group name or numeric gid; null keeps the service's own
 */
public record SocketSpec(Path path, int mode, String owner, String group) {

  /** sun_path is 108 bytes including the terminating NUL. */
  public static final int MAX_PATH_BYTES = 107;

  public SocketSpec {
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException("socket path must be absolute: " + path);
    }
    int len = path.toString().getBytes(StandardCharsets.UTF_8).length;
    if (len > MAX_PATH_BYTES) {
      throw new IllegalArgumentException(
          "socket path is "
              + len
              + " bytes, over the kernel's limit of "
              + MAX_PATH_BYTES
              + ": "
              + path
              + " (choose a shorter --state-dir)");
    }
    if ((mode & ~0777) != 0) {
      throw new IllegalArgumentException(
          "socket mode must be permission bits only (0000-0777), got 0"
              + Integer.toOctalString(mode));
    }
  }

  public Set<PosixFilePermission> permissions() {
    StringBuilder sb = new StringBuilder();
    String all = "rwxrwxrwx";
    for (int bit = 8; bit >= 0; bit--) {
      sb.append((mode & (1 << bit)) != 0 ? all.charAt(8 - bit) : '-');
    }
    return PosixFilePermissions.fromString(sb.toString());
  }

  /** Parses "0660" / "660" / "0o660". */
  public static int parseMode(String text) {
    String t = text.strip();
    if (t.startsWith("0o")) {
      t = t.substring(2);
    }
    if (!t.matches("[0-7]{3,4}")) {
      throw new IllegalArgumentException(
          "socket mode \"" + text + "\" is not an octal mode like 0660");
    }
    return Integer.parseInt(t, 8);
  }
}
