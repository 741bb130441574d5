package dev.banger.image.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@link BootstrapModes.Facts} of this process: its uid and user name, the {@code NoNewPrivs} line
 * of /proc/self/status, the subordinate id files and PATH. Unreadable facts count as "no".
 */
public final class ProcessFacts implements BootstrapModes.Facts {

  private final Path procStatus;
  private final Path subuid;
  private final Path subgid;
  private final String path;

  public ProcessFacts() {
    this(
        Path.of("/proc/self/status"),
        Path.of("/etc/subuid"),
        Path.of("/etc/subgid"),
        System.getenv("PATH"));
  }

  ProcessFacts(Path procStatus, Path subuid, Path subgid, String path) {
    this.procStatus = procStatus;
    this.subuid = subuid;
    this.subgid = subgid;
    this.path = path == null ? "/usr/bin:/bin:/usr/sbin:/sbin" : path;
  }

  @Override
  public boolean root() {
    return "0".equals(statusField("Uid:").split("\\s+")[0]);
  }

  @Override
  public boolean noNewPrivs() {
    return "1".equals(statusField("NoNewPrivs:"));
  }

  @Override
  public boolean hasSubordinateRanges() {
    String uid = statusField("Uid:").split("\\s+")[0];
    String name = System.getProperty("user.name", "");
    return hasRange(subuid, name, uid) && hasRange(subgid, name, uid);
  }

  @Override
  public boolean onPath(String program) {
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  /** A {@code name:start:count} or {@code uid:start:count} line with a count above zero. */
  static boolean hasRange(Path file, String name, String uid) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      return false;
    }
    for (String line : lines) {
      String[] f = line.strip().split(":");
      if (f.length == 3 && (f[0].equals(name) || f[0].equals(uid))) {
        try {
          if (Long.parseLong(f[2]) > 0) {
            return true;
          }
        } catch (NumberFormatException e) {
          // a malformed line is no range; newuidmap would refuse it too
        }
      }
    }
    return false;
  }

  private String statusField(String key) {
    try {
      for (String line : Files.readAllLines(procStatus)) {
        if (line.startsWith(key)) {
          return line.substring(key.length()).strip();
        }
      }
    } catch (IOException e) {
      // unreadable: "no"
    }
    return "";
  }
}
