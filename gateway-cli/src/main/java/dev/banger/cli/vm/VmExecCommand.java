package dev.banger.cli.vm;

import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.Workspace;
import dev.banger.cli.CliException;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import dev.banger.cli.guest.GuestExecStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code banger vm exec VM -- CMD…}: CMD in the VM's workspace (the last prepare's guest path), its
 * exit status banger's. The host checkout's HEAD is compared with the one prepared: when it moved,
 * a warning says the guest has the older tree, and {@code --auto-prepare} copies it again.
 */
@CommandLine.Command(
    name = "exec",
    description = "Run a command in a VM's workspace.",
    mixinStandardHelpOptions = true)
public final class VmExecCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmCommand vm;

  @Parameters(index = "0", paramLabel = "VM", description = "VM name or id (running).")
  String vmRef;

  @Parameters(index = "1..*", paramLabel = "CMD", description = "The command, after --.")
  List<String> command = List.of();

  @Option(
      names = "--guest-path",
      paramLabel = "P",
      description = "Run there instead of the recorded workspace.")
  String guestPath;

  @Option(
      names = "--auto-prepare",
      description =
          "Copy the checkout again first when it changed since the prepare (a new HEAD, or files"
              + " edited since).")
  boolean autoPrepare;

  @Option(
      names = {"-f", "--force"},
      description =
          "With --auto-prepare: copy again even over changes made in the VM (they are deleted).")
  boolean force;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress, no warning.")
  boolean quiet;

  @Override
  public Integer call() {
    if (command.isEmpty()) {
      throw new CliException(
          "a command is required after --: banger vm exec " + vmRef + " -- make test", 2, null);
    }
    PrintWriter err = vm.err();
    try (Services s = vm.services()) {
      Vm v = VmCommand.get(s, vmRef);
      VmCommand.reachable(v); // a clear "not running" before anything else
      String dir = guestPath;
      if (dir == null) {
        if (!v.hasWorkspace()) {
          throw new CliException(
              "vm \""
                  + v.getName()
                  + "\" has no workspace — copy one in with 'banger vm workspace"
                  + " prepare "
                  + v.getName()
                  + " PATH', or give --guest-path");
        }
        Workspace w = v.getWorkspace();
        dir = w.getGuestPath();
        String now = HostEdits.head(Path.of(w.getHostPath()));
        String moved =
            now == null
                ? null
                : !now.equals(w.getHeadCommit())
                    ? "is at " + shortId(now) + ", but "
                    : HostEdits.since(
                        Path.of(w.getHostPath()),
                        w.getIncludeUntracked(),
                        java.time.Instant.ofEpochSecond(
                            w.getPrepareTime().getSeconds(), w.getPrepareTime().getNanos()));
        if (moved != null) {
          if (autoPrepare) {
            // Again as it was made: the same path, untracked files or not, the same guest branch.
            PrepareWorkspaceResult r =
                VmWorkspaceCommand.prepare(
                    s,
                    WorkspaceOptions.of(w.getGuestPath(), w.getIncludeUntracked(), w.getBranch())
                        .request(v.getId(), Path.of(w.getHostPath()))
                        .setForce(force)
                        .build(),
                    new ProgressPrinter(err, ProgressPrinter.stderrIsTerminal(), quiet));
            if (!quiet) {
              VmWorkspaceCommand.summary(err, v.getName(), r);
            }
          } else if (!quiet) {
            err.println(
                "banger: warning: "
                    + w.getHostPath()
                    + " "
                    + moved
                    + v.getName()
                    + ":"
                    + dir
                    + " was prepared at "
                    + shortId(w.getHeadCommit())
                    + " — --auto-prepare copies it again");
          }
        }
      }
      return GuestExecStream.run(s, v.getName(), dir, command);
    }
  }

  private static String shortId(String commit) {
    return commit.isEmpty() ? "(no commit)" : commit.substring(0, Math.min(12, commit.length()));
  }
}
