package dev.banger.vm.app.exec;

import dev.banger.kit.text.Printable;
import dev.banger.vm.app.VmProblem;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/** The checks an Exec order passes before a VM is looked at: every field is hostile. */
public final class ExecRules {

  static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");
  static final int MAX_ARGS = 4096;
  static final int MAX_ARGV_BYTES = 128 << 10;
  static final int MAX_ENV = 256;
  static final int MAX_PATH = 4096;
  public static final Duration MAX_TIMEOUT = Duration.ofHours(24);
  public static final int MAX_WINDOW = 10_000;

  private ExecRules() {}

  /** The order as given, or INVALID_ARGUMENT naming the first bad field. */
  public static ExecOrder check(ExecOrder o) {
    if (o.argv().isEmpty()) {
      throw VmProblem.invalid("argv", "argv is required: the program and its arguments");
    }
    if (o.argv().size() > MAX_ARGS) {
      throw VmProblem.invalid("argv", "argv has more than " + MAX_ARGS + " elements");
    }
    if (o.shell() && o.argv().size() != 1) {
      throw VmProblem.invalid(
          "argv", "with shell, argv is one element: the command line /bin/sh -c runs");
    }
    long bytes = 0;
    for (String a : o.argv()) {
      noNul("argv", a);
      bytes += a.length() + 1;
    }
    if (o.argv().getFirst().isEmpty()) {
      throw VmProblem.invalid("argv", "argv[0], the program, is empty");
    }
    if (o.env().size() > MAX_ENV) {
      throw VmProblem.invalid("env", "env has more than " + MAX_ENV + " entries");
    }
    for (Map.Entry<String, String> e : o.env().entrySet()) {
      if (!ENV_NAME.matcher(e.getKey()).matches()) {
        throw VmProblem.invalid(
            "env",
            "env name " + Printable.quoted(e.getKey(), 80) + " must match " + ENV_NAME.pattern());
      }
      noNul("env", e.getValue());
      bytes += e.getKey().length() + e.getValue().length() + 2;
    }
    if (bytes > MAX_ARGV_BYTES) {
      throw VmProblem.invalid(
          "argv", "argv and env together are more than " + MAX_ARGV_BYTES + " characters");
    }
    if (!o.workingDir().isEmpty()) {
      noNul("working_dir", o.workingDir());
      if (!o.workingDir().startsWith("/") || o.workingDir().length() > MAX_PATH) {
        throw VmProblem.invalid(
            "working_dir",
            "working_dir must be an absolute path of at most "
                + MAX_PATH
                + " characters (got "
                + Printable.quoted(o.workingDir(), 80)
                + ")");
      }
    }
    if (!o.user().isEmpty() && !USER.matcher(o.user()).matches()) {
      throw VmProblem.invalid(
          "user",
          "user must be a user name matching "
              + USER.pattern()
              + " (got "
              + Printable.quoted(o.user(), 80)
              + ")");
    }
    if (o.columns() < 0 || o.columns() > MAX_WINDOW || o.rows() < 0 || o.rows() > MAX_WINDOW) {
      throw VmProblem.invalid("window", "window columns and rows must be 0 to " + MAX_WINDOW);
    }
    if (o.timeout() != null
        && (o.timeout().isNegative() || o.timeout().compareTo(MAX_TIMEOUT) > 0)) {
      throw VmProblem.invalid("timeout_seconds", "timeout_seconds must be 0 (none) to 86400");
    }
    return o;
  }

  private static void noNul(String field, String s) {
    if (s.indexOf('\0') >= 0) {
      throw VmProblem.invalid(field, field + " holds a NUL character, which no program can get");
    }
  }
}
