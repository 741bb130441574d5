package dev.banger.cli.vm;

import dev.banger.api.vm.v1.PrepareWorkspaceRequest;
import dev.banger.cli.CliException;
import dev.banger.cli.CliPaths;
import java.nio.file.Path;
import java.util.UUID;
import picocli.CommandLine.Option;

/**
 * How a checkout goes into a VM: the options {@code vm workspace prepare} and {@code vm run PATH}
 * share.
 */
final class WorkspaceOptions {

  @Option(
      names = "--guest-path",
      paramLabel = "P",
      description = "Where in the guest (below /root; default /root/<repo>).")
  String guestPath;

  @Option(names = "--include-untracked", description = "Also untracked files (ignored ones never).")
  boolean untracked;

  @Option(
      names = "--branch",
      paramLabel = "NAME",
      description = "Then create and check out a guest-only branch NAME.")
  String branch;

  @Option(
      names = "--from",
      paramLabel = "REF",
      description = "With --branch: start it at REF (default: the copied HEAD).")
  String from;

  WorkspaceOptions() {}

  /** The options a recorded workspace was prepared with, to prepare it again the same way. */
  static WorkspaceOptions of(String guestPath, boolean untracked, String branch) {
    WorkspaceOptions o = new WorkspaceOptions();
    o.guestPath = guestPath;
    o.untracked = untracked;
    o.branch = branch == null || branch.isEmpty() ? null : branch;
    return o;
  }

  /** True when any was given (vm run takes them only with a PATH). */
  boolean given() {
    return guestPath != null || untracked || branch != null || from != null;
  }

  /**
   * A PrepareWorkspace request for {@code hostPath} (made absolute, and refused when missing);
   * {@code vmRef} may be null.
   */
  PrepareWorkspaceRequest.Builder request(String vmRef, Path hostPath) {
    if (from != null && branch == null) {
      throw new CliException("--from REF needs --branch NAME: the branch it starts", 2, null);
    }
    PrepareWorkspaceRequest.Builder b =
        PrepareWorkspaceRequest.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setHostPath(CliPaths.existing("workspace path", hostPath))
            .setIncludeUntracked(untracked);
    if (vmRef != null) {
      b.setVm(vmRef);
    }
    if (guestPath != null) {
      b.setGuestPath(guestPath);
    }
    if (branch != null) {
      b.setBranch(branch);
    }
    if (from != null) {
      b.setFromRef(from);
    }
    return b;
  }
}
