package dev.banger.cli.vm;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a host checkout looks like now against a prepare's copy of it, read without writing to it:
 * its HEAD, and whether it was edited after the copy with HEAD unchanged: a tracked file changed,
 * added or deleted (and, when the prepare took them, an untracked one) whose time, or whose
 * directory's time for a deletion, is after the copy. git's own list of what differs from HEAD,
 * then the file system's times: no content is read, so it costs what {@code git status} does.
 */
final class HostEdits {

  private HostEdits() {}

  /**
   * The host checkout's HEAD now, or null when it cannot be read (moved away, no git): no warning
   * then.
   */
  static String head(Path root) {
    String out = git(root, "rev-parse", "--verify", "-q", "HEAD");
    return out == null ? null : out.strip();
  }

  /**
   * @return "has files edited since it was copied (PATH, …), but " for the warning, or null when
   *     nothing was (or git cannot say)
   */
  static String since(Path root, boolean untracked, Instant copied) {
    String status =
        git(
            root,
            "status",
            "--porcelain=v1",
            "-z",
            untracked ? "--untracked-files=all" : "--untracked-files=no");
    if (status == null) {
      return null;
    }
    String first = null;
    int count = 0;
    String[] fields = status.split("\0");
    for (int i = 0; i < fields.length; i++) {
      String f = fields[i];
      if (f.length() < 4) {
        continue;
      }
      String path = f.substring(3);
      if (f.charAt(0) == 'R' || f.charAt(0) == 'C') {
        i++; // a rename's or copy's source follows as a field of its own
      }
      if (newer(root.resolve(path), copied)) {
        count++;
        if (first == null) {
          first = path;
        }
      }
    }
    return count == 0
        ? null
        : "has "
            + (count == 1 ? "a file" : count + " files")
            + " edited since it was copied ("
            + first
            + (count > 1 ? ", …" : "")
            + "), but ";
  }

  /**
   * git's stdout in the checkout at {@code root}, or null when git cannot say (no git, not a work
   * tree, a failure). Read only: {@code --no-optional-locks}, as a plain status may rewrite the
   * index of the user's repository.
   */
  private static String git(Path root, String... args) {
    List<String> argv =
        new ArrayList<>(List.of("git", "--no-optional-locks", "-C", root.toString()));
    argv.addAll(List.of(args));
    try {
      CommandResult r =
          new HostCommandRunner().run(Command.of(argv).timeout(Duration.ofSeconds(20)).build());
      return r.succeeded() ? r.stdoutText() : null;
    } catch (CommandFailedException e) {
      return null;
    }
  }

  /** The file's time, or its directory's when it is gone (a deletion), after {@code t}. */
  private static boolean newer(Path p, Instant t) {
    try {
      Path at = Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? p : p.getParent();
      return at != null
          && Files.getLastModifiedTime(at, LinkOption.NOFOLLOW_LINKS).toInstant().isAfter(t);
    } catch (IOException e) {
      return false;
    }
  }
}
