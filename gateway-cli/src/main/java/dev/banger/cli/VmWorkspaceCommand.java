package dev.banger.cli;

import dev.banger.api.vm.v1.PrepareWorkspaceRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceResponse;
import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code banger vm workspace …}: a host checkout in a VM (docs/workspaces.md). */
@Command(name = "workspace", description = "Copy a git checkout into a VM.", mixinStandardHelpOptions = true)
final class VmWorkspaceCommand implements Runnable {

  @CommandLine.ParentCommand VmCommand vm;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** PrepareWorkspace with its progress shown; the result. */
  static PrepareWorkspaceResult prepare(Services s, PrepareWorkspaceRequest req, ProgressPrinter progress) {
    return ProgressPrinter.drain(s.vmLong().prepareWorkspace(req), r -> r.hasProgress() ? r.getProgress() : null,
        PrepareWorkspaceResponse::getResult, progress);
  }

  static PrepareWorkspaceRequest.Builder request(String vmRef, Path hostPath, String guestPath, boolean untracked) {
    PrepareWorkspaceRequest.Builder b = PrepareWorkspaceRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
        .setHostPath(CliPaths.existing("workspace path", hostPath)).setIncludeUntracked(untracked);
    if (vmRef != null) {
      b.setVm(vmRef);
    }
    if (guestPath != null) {
      b.setGuestPath(guestPath);
    }
    return b;
  }

  static PrepareWorkspaceRequest.Builder branch(PrepareWorkspaceRequest.Builder b, String branch, String from) {
    if (from != null && branch == null) {
      throw new CliException("--from REF needs --branch NAME: the branch it starts", 2, null);
    }
    if (branch != null) {
      b.setBranch(branch);
    }
    if (from != null) {
      b.setFromRef(from);
    }
    return b;
  }

  /** The one line a prepare ends with, on stderr. */
  static void summary(PrintWriter err, String vmName, PrepareWorkspaceResult r) {
    String head = r.getWorkspace().getHeadCommit();
    err.println("banger: " + vmName + ":" + r.getWorkspace().getGuestPath() + " holds " + r.getWorkspace().getHostPath()
        + " (" + r.getEntries() + " entries, " + Sizes.human(r.getBytes())
        + (head.isEmpty() ? ", no commit yet" : ", HEAD " + head.substring(0, Math.min(12, head.length())))
        + (r.getWorkspace().getBranch().isEmpty() ? "" : ", on branch " + r.getWorkspace().getBranch()) + ")");
  }

  /** {@code banger vm workspace prepare VM PATH}. */
  @Command(name = "prepare", description = "Copy the git checkout at PATH into VM (tracked files and .git; "
      + "--include-untracked adds untracked, never ignored, files).", mixinStandardHelpOptions = true)
  static final class Prepare implements Callable<Integer> {

    @CommandLine.ParentCommand VmWorkspaceCommand ws;

    @Parameters(index = "0", paramLabel = "VM", description = "VM name or id (running).")
    String vmRef;

    @Parameters(index = "1", paramLabel = "PATH", description = "A directory inside a git work tree.")
    Path path;

    @Option(names = "--guest-path", paramLabel = "P", description = "Where in the guest (below /root; default /root/<repo>).")
    String guestPath;

    @Option(names = "--include-untracked", description = "Also untracked files (ignored ones never).")
    boolean untracked;

    @Option(names = "--dry-run", description = "List what would be copied, one path per line; copy nothing.")
    boolean dryRun;

    @Option(names = "--branch", paramLabel = "NAME", description = "Then create and check out a guest-only branch NAME.")
    String branch;

    @Option(names = "--from", paramLabel = "REF", description = "With --branch: start it at REF (default: the copied HEAD).")
    String from;

    @Option(names = {"-q", "--quiet"}, description = "No progress.")
    boolean quiet;

    @Override
    public Integer call() {
      PrintWriter err = ws.vm.err();
      try (Services s = ws.vm.services()) {
        PrepareWorkspaceRequest req = branch(request(vmRef, path, guestPath, untracked), branch, from).setDryRun(dryRun)
            .build();
        PrepareWorkspaceResult r = prepare(s, req, new ProgressPrinter(err, ProgressPrinter.stderrIsTerminal(),
            quiet || dryRun));
        if (dryRun) {
          PrintWriter out = ws.vm.spec.commandLine().getOut();
          r.getPathsList().forEach(out::println);
          err.println("banger: " + r.getEntries() + " entries, " + Sizes.human(r.getBytes()) + " would go to "
              + r.getWorkspace().getGuestPath());
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
}
