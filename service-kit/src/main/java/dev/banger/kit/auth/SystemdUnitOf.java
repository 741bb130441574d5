package dev.banger.kit.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The systemd unit a process runs in, from its {@code /proc/PID/cgroup}: the first path component
 * that names a service or scope ({@code /system.slice/banger-vm@alice.service} gives {@code
 * banger-vm@alice.service}). The unified hierarchy's line ({@code 0::}) is read first, then the
 * legacy {@code name=systemd} one. Only root can move a process into a system unit's cgroup, so the
 * answer tells vm-service's processes from the owner's shell, which share a uid.
 */
public final class SystemdUnitOf {

  private final Path proc;

  public SystemdUnitOf() {
    this(Path.of("/proc"));
  }

  SystemdUnitOf(Path proc) {
    this.proc = proc;
  }

  /**
   * @return the unit's name, or "" when the process is gone, in no unit, or not under systemd
   */
  public String pid(int pid) {
    List<String> lines;
    try {
      lines = Files.readAllLines(proc.resolve(Integer.toString(pid)).resolve("cgroup"));
    } catch (IOException | RuntimeException e) {
      return "";
    }
    for (String line : lines) {
      if (line.startsWith("0::")) {
        String unit = unitIn(line.substring("0::".length()));
        if (!unit.isEmpty()) {
          return unit;
        }
      }
    }
    for (String line : lines) { // legacy or hybrid: the name=systemd hierarchy, at any number
      int at = line.indexOf(":name=systemd:");
      if (at >= 0) {
        return unitIn(line.substring(at + ":name=systemd:".length()));
      }
    }
    return "";
  }

  static String unitIn(String cgroupPath) {
    for (String part : cgroupPath.split("/")) {
      if (part.endsWith(".service") || part.endsWith(".scope")) {
        return part;
      }
    }
    return "";
  }
}
