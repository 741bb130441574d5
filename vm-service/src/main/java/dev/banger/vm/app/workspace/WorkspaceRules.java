package dev.banger.vm.app.workspace;

import dev.banger.kit.text.Printable;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.workspace.WorkspaceTar;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * What a workspace request may name. Each piece ends up in the one command the guest runs, so each
 * is held to a pattern that admits no shell character, and quoted anyway.
 */
final class WorkspaceRules {

  /** Under /root (the work disk, which survives restarts); plain components, no "." or "..". */
  static final Pattern GUEST_PATH =
      Pattern.compile("/root(/[A-Za-z0-9_.][A-Za-z0-9._-]{0,127}){1,16}");

  private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

  /**
   * A branch name git accepts and a shell word needs no care for (stricter than
   * git-check-ref-format).
   */
  static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._/-]{0,99}");

  /** A commit id or ref name; never an option. */
  static final Pattern REF = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._/^~-]{0,199}");

  private WorkspaceRules() {}

  /** The one command the guest runs: replace the path, unpack the tar, maybe make the branch. */
  static String receiveCommand(String guestPath, String branch, String fromRef) {
    String q = "'" + guestPath + "'";
    String cmd = "rm -rf -- " + q + " && mkdir -p -- " + q + " && tar -x -p -f - -C " + q;
    if (!branch.isEmpty()) {
      cmd +=
          " && git -C "
              + q
              + " checkout -q -b '"
              + branch
              + "'"
              + (fromRef.isEmpty() ? "" : " '" + fromRef + "'");
    }
    // Last, after the checkout too: what changes in the VM from here on is newer than the stamp.
    return cmd
        + " && { [ ! -d "
        + q
        + "/.git ] || touch -- "
        + q
        + "/"
        + WorkspaceTar.STAMP
        + "; }";
  }

  /**
   * Prints (at most {@link #SHOWN_CHANGES} + 1 lines) what in the VM's copy at {@code guestPath}
   * changed since the last prepare stamped it: files and directories of the tree newer than the
   * stamp (an edit, a new file, or a deletion, which touches its directory), and refs git moved (a
   * commit made in the VM). Nothing when there is no copy or no stamp to compare with. {@code
   * .git}'s other files are left out: a plain {@code git status} rewrites the index.
   */
  static String guestChangesCommand(String guestPath) {
    String q = "'" + guestPath + "'";
    String stamp = WorkspaceTar.STAMP;
    return "cd -- "
        + q
        + " 2>/dev/null && [ -e "
        + stamp
        + " ] || exit 0; { find . -path ./.git -prune -o -newer "
        + stamp
        + " -print; find .git/refs .git/packed-refs -newer "
        + stamp
        + " -type f -print 2>/dev/null; } | head -n "
        + (SHOWN_CHANGES + 1);
  }

  static final int SHOWN_CHANGES = 5;

  static void checkHostPath(String hostPath) {
    if (hostPath.isEmpty() || !Path.of(hostPath).isAbsolute()) {
      throw VmProblem.invalid(
          "host_path",
          "host_path must be an absolute path, got " + Printable.quoted(hostPath, 200));
    }
  }

  static void checkBranch(String branch, String fromRef) {
    if (!fromRef.isEmpty() && branch.isEmpty()) {
      throw VmProblem.invalid("from_ref", "from_ref needs a branch to start: give branch too");
    }
    if (!branch.isEmpty()
        && (!BRANCH.matcher(branch).matches()
            || branch.contains("..")
            || branch.contains("//")
            || branch.endsWith("/")
            || branch.endsWith(".lock")
            || branch.endsWith("."))) {
      throw VmProblem.invalid(
          "branch",
          "branch \""
              + Printable.bare(branch, 100)
              + "\" is not a branch name banger accepts (letters, digits, '.', '_', '-', '/')");
    }
    if (!fromRef.isEmpty() && (!REF.matcher(fromRef).matches() || fromRef.contains(".."))) {
      throw VmProblem.invalid(
          "from_ref",
          "from_ref \"" + Printable.bare(fromRef, 100) + "\" is not a commit id or ref name");
    }
  }

  static void checkGuestPath(String p) {
    if (!GUEST_PATH.matcher(p).matches()
        || p.contains("/../")
        || p.endsWith("/..")
        || p.contains("/./")
        || p.endsWith("/.")) {
      throw VmProblem.invalid(
          "guest_path",
          "guest_path \""
              + Printable.bare(p, 200)
              + "\" must be below /root (the work disk), made of letters, digits, '.', '_' and"
              + " '-', e.g. /root/repo");
    }
  }

  static String defaultGuestPath(Path root) {
    String name = root.getFileName() == null ? "" : root.getFileName().toString();
    return "/root/"
        + (COMPONENT.matcher(name).matches() && !name.equals("..") ? name : "workspace");
  }
}
