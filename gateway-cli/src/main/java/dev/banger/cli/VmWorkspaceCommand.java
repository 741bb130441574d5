package dev.banger.cli;

import dev.banger.api.vm.v1.PrepareWorkspaceRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceResponse;
import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code banger vm workspace …}: a host checkout in a VM (docs/workspaces.md). */
@Command(
    name = "workspace",
    description = "Copy a git checkout into a VM.",
    mixinStandardHelpOptions = true)
final class VmWorkspaceCommand implements Runnable {

  @CommandLine.ParentCommand VmCommand vm;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** PrepareWorkspace with its progress shown; the result. */
  static PrepareWorkspaceResult prepare(
      Services s, PrepareWorkspaceRequest req, ProgressPrinter progress) {
    return ProgressPrinter.drain(
        s.vmLong().prepareWorkspace(req),
        r -> r.hasProgress() ? r.getProgress() : null,
        PrepareWorkspaceResponse::getResult,
        progress);
  }

  /** The one line a prepare ends with, on stderr. */
  static void summary(PrintWriter err, String vmName, PrepareWorkspaceResult r) {
    String head = r.getWorkspace().getHeadCommit();
    err.println(
        "banger: "
            + vmName
            + ":"
            + r.getWorkspace().getGuestPath()
            + " holds "
            + r.getWorkspace().getHostPath()
            + " ("
            + r.getEntries()
            + " entries, "
            + Sizes.human(r.getBytes())
            + (head.isEmpty()
                ? ", no commit yet"
                : ", HEAD " + head.substring(0, Math.min(12, head.length())))
            + (r.getWorkspace().getBranch().isEmpty()
                ? ""
                : ", on branch " + r.getWorkspace().getBranch())
            + (r.getOffline() ? ", written onto its work disk before boot" : "")
            + ")");
  }

  /** {@code banger vm workspace prepare VM PATH}. */
  @Command(
      name = "prepare",
      description =
          "Copy the git checkout at PATH into VM (tracked files and .git; "
              + "--include-untracked adds untracked, never ignored, files).",
      mixinStandardHelpOptions = true)
  static final class Prepare implements Callable<Integer> {

    @CommandLine.ParentCommand VmWorkspaceCommand ws;

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id (running).")
    String vmRef;

    @Parameters(
        index = "1",
        paramLabel = "PATH",
        description = "A directory inside a git work tree.")
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
            prepare(
                s,
                req,
                new ProgressPrinter(err, ProgressPrinter.stderrIsTerminal(), quiet || dryRun));
        if (dryRun) {
          printDryRun(ws.vm.spec.commandLine().getOut(), err, r);
          return 0;
        }
        if (!quiet) {
          summary(err, vmRef, r);
        }
        ws.vm.spec.commandLine().getOut().println(r.getWorkspace().getGuestPath());
        return 0;
      }
    }
  }

  /** A dry run's answer: every path that would go on stdout, one line of totals on stderr. */
  static void printDryRun(PrintWriter out, PrintWriter err, PrepareWorkspaceResult r) {
    r.getPathsList().forEach(out::println);
    err.println(
        "banger: "
            + r.getEntries()
            + " entries, "
            + Sizes.human(r.getBytes())
            + " would go to "
            + r.getWorkspace().getGuestPath());
  }
}
