package dev.banger.vm.workspace;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which files of a host checkout a workspace holds (docs/workspaces.md, "What is copied"): the
 * tracked ones as the work tree has them, the untracked but not ignored ones when asked, and the
 * repository's {@code .git}. Every refusal is a {@link WorkspaceException} naming the path. git
 * runs with an argument vector (never a shell), {@code -C} the checked path, and with {@code
 * safe.directory} left as the user has it.
 */
public final class WorkspaceLister {

  private static final Duration GIT_TIMEOUT = Duration.ofMinutes(2);
  private final CommandRunner runner;

  public WorkspaceLister(CommandRunner runner) {
    this.runner = runner;
  }

  public WorkspaceSource list(Path path, boolean includeUntracked) throws WorkspaceException {
    Path abs = path.toAbsolutePath().normalize();
    if (!Files.exists(abs)) {
      throw new WorkspaceException("workspace path " + abs + " does not exist");
    }
    if (!Files.isDirectory(abs)) {
      throw new WorkspaceException("workspace path " + abs + " is not a directory");
    }
    CommandResult bare = gitResult(abs, "rev-parse", "--is-bare-repository");
    if (bare.succeeded() && "true".equals(bare.stdoutText().strip())) {
      throw new WorkspaceException(
          abs + " is a bare git repository: give a checkout (a work tree) instead");
    }
    CommandResult top = gitResult(abs, "rev-parse", "--show-toplevel");
    if (!top.succeeded() || top.stdoutText().isBlank()) {
      throw new WorkspaceException(
          abs + " is not inside a git work tree (git: " + firstLine(top.stderrText()) + ")");
    }
    Path root = Path.of(top.stdoutText().strip());
    Path dotGit = root.resolve(".git");
    if (!Files.isDirectory(dotGit, LinkOption.NOFOLLOW_LINKS)) {
      throw new WorkspaceException(
          root
              + " is a linked worktree or uses a separate git dir ("
              + dotGit
              + " is not a directory): not supported; use the main checkout");
    }
    if (Files.exists(root.resolve(".gitmodules"), LinkOption.NOFOLLOW_LINKS) || hasGitlinks(root)) {
      throw new WorkspaceException(
          root + " has git submodules: not supported yet (they would not be copied)");
    }
    CommandResult head = gitResult(root, "rev-parse", "--verify", "-q", "HEAD");
    String commit = head.succeeded() ? head.stdoutText().strip() : "";

    Set<String> paths = new LinkedHashSet<>(gitTree(root));
    for (String p : nul(git(root, "ls-files", "-z", "--cached"))) {
      paths.add(checked(root, p));
    }
    if (includeUntracked) {
      for (String p : nul(git(root, "ls-files", "-z", "--others", "--exclude-standard"))) {
        paths.add(checked(root, p));
      }
    }
    // A tracked file deleted in the work tree is not sent: the guest's git status then says so too.
    List<String> present =
        paths.stream()
            .filter(p -> Files.exists(root.resolve(p), LinkOption.NOFOLLOW_LINKS))
            .toList();
    return new WorkspaceSource(root, commit, present);
  }

  /**
   * Every entry of {@code .git}, directories included (so empty ones like refs/tags exist in the
   * guest).
   */
  private static List<String> gitTree(Path root) throws WorkspaceException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root.resolve(".git"))) {
      walk.sorted().forEach(p -> out.add(root.relativize(p).toString()));
    } catch (IOException e) {
      throw new WorkspaceException("cannot read " + root.resolve(".git") + ": " + e.getMessage());
    }
    return out;
  }

  /** A gitlink (mode 160000) in the index is a submodule even without .gitmodules. */
  private boolean hasGitlinks(Path root) throws WorkspaceException {
    for (String line : git(root, "ls-files", "-s").split("\n")) {
      if (line.startsWith("160000 ")) {
        return true;
      }
    }
    return false;
  }

  /** git's paths are relative to the root; one that is absolute or climbs out is refused. */
  static String checked(Path root, String p) throws WorkspaceException {
    Path rel = Path.of(p);
    if (p.isEmpty()
        || rel.isAbsolute()
        || !root.resolve(rel).normalize().startsWith(root)
        || rel.normalize().startsWith("..")
        || p.startsWith(".git/")
        || p.equals(".git")) {
      throw new WorkspaceException("git listed \"" + p + "\", which is not a path inside " + root);
    }
    return rel.normalize().toString();
  }

  private static List<String> nul(String out) {
    List<String> l = new ArrayList<>();
    for (String p : out.split("\0")) {
      if (!p.isEmpty()) {
        l.add(p);
      }
    }
    return l;
  }

  private String git(Path dir, String... args) throws WorkspaceException {
    CommandResult r = gitResult(dir, args);
    if (!r.succeeded()) {
      throw new WorkspaceException(
          "git " + String.join(" ", args) + " in " + dir + " failed: " + firstLine(r.stderrText()));
    }
    return r.stdoutText();
  }

  private CommandResult gitResult(Path dir, String... args) throws WorkspaceException {
    // The repository's own config may name programs git runs (core.fsmonitor, hooks): vm-service
    // only reads the tree, and runs none of them in its unit.
    List<String> argv =
        new ArrayList<>(
            List.of(
                "git",
                "-c",
                "core.fsmonitor=false",
                "-c",
                "core.hooksPath=/dev/null",
                "-C",
                dir.toString()));
    argv.addAll(List.of(args));
    try {
      return runner.run(Command.of(argv).timeout(GIT_TIMEOUT).build());
    } catch (CommandFailedException e) {
      throw new WorkspaceException("cannot run git (is it installed?): " + e.getMessage());
    }
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
