package dev.banger.cli.vm;

import dev.banger.api.vm.v1.PrepareWorkspaceRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code banger vm workspace prepare VM PATH}. */
@Command(
    name = "prepare",
    description =
        "Copy the git checkout at PATH into VM (tracked files and .git; "
            + "--include-untracked adds untracked, never ignored, files).",
    mixinStandardHelpOptions = true)
public final class VmWorkspacePrepareCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmWorkspaceCommand ws;

  @Parameters(index = "0", paramLabel = "VM", description = "VM name or id (running).")
  String vmRef;

  @Parameters(index = "1", paramLabel = "PATH", description = "A directory inside a git work tree.")
  Path path;

  @CommandLine.Mixin WorkspaceOptions options;

  @Option(
      names = "--dry-run",
      description = "List what would be copied, one path per line; copy nothing.")
  boolean dryRun;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress.")
  boolean quiet;

  @Option(
      names = {"-f", "--force"},
      description =
          "Copy again even over changes made in the VM since the last copy (they are deleted).")
  boolean force;

  @Override
  public Integer call() {
    PrintWriter err = ws.vm.err();
    try (Services s = ws.vm.services()) {
      PrepareWorkspaceRequest req =
          options.request(vmRef, path).setDryRun(dryRun).setForce(force).build();
      PrepareWorkspaceResult r =
          VmWorkspaceCommand.prepare(
              s,
              req,
              new ProgressPrinter(err, ProgressPrinter.stderrIsTerminal(), quiet || dryRun));
      if (dryRun) {
        VmWorkspaceCommand.printDryRun(ws.vm.out(), err, r);
        return 0;
      }
      if (!quiet) {
        VmWorkspaceCommand.summary(err, vmRef, r);
      }
      ws.vm.out().println(r.getWorkspace().getGuestPath());
      return 0;
    }
  }
}
