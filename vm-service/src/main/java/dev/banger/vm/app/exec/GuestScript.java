package dev.banger.vm.app.exec;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The POSIX sh script an SSH exec channel runs for one Exec. Every string the client sent is
 * single-quoted (a quote inside becomes {@code '\''}), so the guest's shell hands it to the program
 * as it was sent and never expands, splits or runs any of it.
 *
 * <p>The script prints its pid on stderr's first line (the caller strips it: it is the program's
 * pid and process group once the script execs it, what a cancel kills), refuses a missing directory
 * (126) or program (127) with one line naming it, then execs the program.
 */
public final class GuestScript {

  /** Exit status for a working directory that does not exist. */
  public static final int NO_DIRECTORY = 126;

  /** Exit status for a program the guest does not have. */
  public static final int NO_PROGRAM = 127;

  /**
   * The image's Env on a guest booted by banger's guest kit (docs/guest-kit.md): read before the
   * caller's own variables, so those win. Absent on other guests.
   */
  public static final String IMAGE_ENV = "/etc/banger/image-env";

  private GuestScript() {}

  /** The script for {@code order}, run in {@code workingDir}. */
  public static String of(ExecOrder order, String workingDir) {
    StringBuilder s = new StringBuilder();
    s.append("echo $$ >&2; ");
    s.append("[ -r ").append(IMAGE_ENV).append(" ] && . ").append(IMAGE_ENV).append("; ");
    s.append("cd -- ")
        .append(quote(workingDir))
        .append(" 2>/dev/null || { printf '%s\\n' ")
        .append(quote("banger: no directory \"" + workingDir + "\" in the VM"))
        .append(" >&2; exit ")
        .append(NO_DIRECTORY)
        .append("; }; ");
    // Sorted, so the same order always makes the same script.
    for (Map.Entry<String, String> e : new TreeMap<>(order.env()).entrySet()) {
      // Names were checked against [A-Za-z_][A-Za-z0-9_]*: safe bare, values quoted.
      s.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append("; ");
    }
    List<String> argv =
        order.shell() ? List.of("/bin/sh", "-c", order.argv().getFirst()) : order.argv();
    String program = argv.getFirst();
    s.append("command -v -- ")
        .append(quote(program))
        .append(" >/dev/null 2>&1 || { printf '%s\\n' ")
        .append(quote("banger: no program \"" + program + "\" in the VM"))
        .append(" >&2; exit ")
        .append(NO_PROGRAM)
        .append("; }; ");
    s.append("exec");
    if (!order.user().isEmpty() && !order.user().equals("root")) {
      s.append(" runuser -u ").append(quote(order.user())).append(" --");
    }
    for (String a : argv) {
      s.append(' ').append(quote(a));
    }
    return s.toString();
  }

  /**
   * The command that kills the process group {@code pid} leads. {@code -s KILL --}: dash's kill
   * takes no {@code --} after {@code -KILL} and would read the group as a bad number.
   */
  public static String kill(long pid) {
    return "kill -s KILL -- -" + pid + " 2>/dev/null; kill -s KILL " + pid + " 2>/dev/null; true";
  }

  /** {@code s} as one sh word that means exactly {@code s}. */
  public static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }
}
