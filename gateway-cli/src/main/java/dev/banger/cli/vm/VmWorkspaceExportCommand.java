package dev.banger.cli.vm;

import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.CliException;
import dev.banger.cli.Services;
import dev.banger.cli.ShellQuote;
import dev.banger.cli.guest.GuestShell;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.process.StreamedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code banger vm workspace export VM [--base-commit C] [-o FILE]}: the guest's changes to its
 * workspace, tracked and new files, as one binary-safe patch against the base (default: the commit
 * the workspace was prepared at), which {@code git apply} on the host turns the host's tree into
 * the guest's. The guest's index is not touched: the diff is taken through a copy of it.
 */
@Command(
    name = "export",
    description = "Write the guest's changes to its workspace as a patch (git apply-able).",
    mixinStandardHelpOptions = true)
public final class VmWorkspaceExportCommand implements Callable<Integer> {

  /** A commit id, or a ref name git would take; never an option. */
  static final Pattern BASE = Pattern.compile("[0-9A-Za-z][0-9A-Za-z._/^~-]{0,199}");

  /** git's empty tree: the base of a repository that had no commit when it was prepared. */
  static final String EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

  @CommandLine.ParentCommand VmWorkspaceCommand ws;

  @Parameters(index = "0", paramLabel = "VM")
  String vmRef;

  @Option(
      names = "--base-commit",
      paramLabel = "C",
      description = "Diff against C (default: the prepared HEAD).")
  String base;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Write the patch here (default: stdout).")
  Path output;

  @Option(
      names = "--guest-path",
      paramLabel = "P",
      description = "The workspace's path, if not the recorded one.")
  String guestPath;

  @Override
  public Integer call() throws Exception {
    if (base != null && !BASE.matcher(base).matches()) {
      throw new CliException(
          "--base-commit \"" + base + "\" is not a commit id or ref name", 2, null);
    }
    try (Services s = ws.vm.services()) {
      Vm v = VmCommand.get(s, vmRef);
      String ip = VmCommand.reachable(v);
      String dir =
          guestPath != null ? guestPath : v.hasWorkspace() ? v.getWorkspace().getGuestPath() : null;
      if (dir == null) {
        throw new CliException(
            "vm \"" + v.getName() + "\" has no workspace — prepare one, or give --guest-path");
      }
      String against =
          base != null
              ? base
              : v.hasWorkspace() && !v.getWorkspace().getHeadCommit().isEmpty()
                  ? v.getWorkspace().getHeadCommit()
                  : EMPTY_TREE;
      List<String> argv = GuestShell.argvRemote(s, ip, false, remote(dir, against));
      return output == null ? copy(argv, System.out) : toFile(argv, output.toAbsolutePath());
    }
  }

  /**
   * Through a temporary index (a copy of the guest's), so the guest's own staging stays as it was.
   */
  static String remote(String dir, String against) {
    return "cd -- "
        + ShellQuote.quote(dir)
        + " && idx=$(mktemp) && trap 'rm -f \"$idx\"' EXIT"
        + " && { cp \"$(git rev-parse --git-path index)\" \"$idx\" 2>/dev/null || true; }"
        + " && GIT_INDEX_FILE=\"$idx\" git add -A"
        + " && GIT_INDEX_FILE=\"$idx\" git diff --cached --binary --full-index "
        + ShellQuote.quote(against)
        + " --";
  }

  /** Written next to FILE and moved into place only when the export succeeded: no half patch. */
  private static int toFile(List<String> argv, Path file) throws Exception {
    Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".part");
    try {
      int status;
      try (OutputStream out = Files.newOutputStream(tmp)) {
        status = copy(argv, out);
      }
      if (status == 0) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      return status;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static int copy(List<String> argv, OutputStream out) throws IOException {
    List<String> stderr = new ArrayList<>();
    try (StreamedProcess p =
        new HostCommandRunner()
            .stream(dev.banger.kit.process.Command.of(argv).build(), stderr::add)) {
      try (InputStream in = p.stdout()) {
        in.transferTo(out);
      }
      out.flush();
      CommandResult r = p.finish(Duration.ofMinutes(30));
      if (r.exitCode() != 0) {
        throw new CliException(
            "export from the guest failed (exit "
                + r.exitCode()
                + "): "
                + String.join("; ", stderr.isEmpty() ? List.of(r.stderrText().strip()) : stderr));
      }
      return 0;
    } catch (CommandFailedException e) {
      throw GuestShell.cannotRun(argv, e);
    }
  }
}
