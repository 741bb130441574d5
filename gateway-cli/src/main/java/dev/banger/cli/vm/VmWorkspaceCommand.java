package dev.banger.cli.vm;

import dev.banger.api.vm.v1.PrepareWorkspaceRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceResponse;
import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import dev.banger.cli.Sizes;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code banger vm workspace …}: a host checkout in a VM (docs/workspaces.md). */
@Command(
    name = "workspace",
    description = "Copy a git checkout into a VM.",
    mixinStandardHelpOptions = true)
public final class VmWorkspaceCommand implements Runnable {

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
