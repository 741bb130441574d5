package dev.banger.image.source;

import dev.banger.kit.text.Printable;
import java.util.List;
import java.util.Locale;

/** mmdebstrap could not build a catalog recipe; the kind decides the gRPC status (ImageErrors). */
public final class BootstrapException extends Exception {

  /** Why. */
  public enum Kind {
    /** mmdebstrap is not installed. */
    MISSING,
    /** The recipe names a package, suite or component the mirror does not have. */
    BAD_RECIPE,
    /** The mirror could not be reached. */
    NETWORK,
    /**
     * unshare mode is not possible for this user (no subuid range, no newuidmap, NoNewPrivileges).
     */
    NO_USER_NAMESPACE,
    /** It ran out of time. */
    TIMED_OUT,
    /** Anything else mmdebstrap reported. */
    FAILED
  }

  private final Kind kind;

  public BootstrapException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /**
   * Reads mmdebstrap's and apt's last stderr lines for the cause. The message quotes the lines that
   * say it (apt's "E:" lines first), escaped: a mirror's error text is not ours.
   */
  static BootstrapException fromFailure(String entry, int exit, String stderr) {
    List<String> lines = stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    List<String> errors =
        lines.stream().filter(l -> l.startsWith("E:") || l.startsWith("Err:")).toList();
    List<String> shown = (errors.isEmpty() ? lines : errors);
    shown = shown.subList(Math.max(0, shown.size() - 6), shown.size());
    String detail = String.join(" | ", shown.stream().map(l -> Printable.bare(l, 300)).toList());
    String all = stderr.toLowerCase(Locale.ROOT);
    Kind kind;
    String hint;
    if (exit == 127 && all.contains("failed to execute mmdebstrap")) {
      kind = Kind.MISSING; // setsid ran, mmdebstrap is not there
      hint = "mmdebstrap is not installed (apt-get install mmdebstrap uidmap)";
    } else if (all.contains("unable to locate package")
        || all.contains("has no installation candidate")
        || all.contains("does not have a release file")
        || all.contains("couldn't find any package")) {
      kind = Kind.BAD_RECIPE;
      hint = "check the entry's suite, components and packages";
    } else if (all.contains("could not resolve")
        || all.contains("temporary failure resolving")
        || all.contains("failed to fetch")
        || all.contains("could not connect")
        || all.contains("connection failed")
        || all.contains("connection timed out")) {
      kind = Kind.NETWORK;
      hint = "the mirror could not be reached";
    } else if (all.contains("failed to unshare")
        || all.contains("newuidmap")
        || all.contains("/etc/subuid")) {
      kind = Kind.NO_USER_NAMESPACE;
      hint =
          "mmdebstrap's unshare mode needs a subuid/subgid range for this user, newuidmap/newgidmap (uidmap)"
              + " and a service allowed to run them (no NoNewPrivileges); or install fakechroot and"
              + " fakeroot, which need neither; see docs/catalog.md";
    } else {
      kind = Kind.FAILED;
      hint = "see the service log for mmdebstrap's output";
    }
    return new BootstrapException(
        kind,
        "mmdebstrap failed (exit "
            + exit
            + ") building catalog entry "
            + entry
            + ": "
            + hint
            + ": "
            + detail);
  }
}
