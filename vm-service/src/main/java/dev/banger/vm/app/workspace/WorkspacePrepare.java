package dev.banger.vm.app.workspace;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.ops.StageProgress;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.app.VmProblems;
import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.ssh.BoundedBuffer;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import dev.banger.vm.workspace.WorkspaceException;
import dev.banger.vm.workspace.WorkspaceLister;
import dev.banger.vm.workspace.WorkspaceSource;
import dev.banger.vm.workspace.WorkspaceTar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PrepareWorkspace (docs/workspaces.md): a host checkout listed by {@link WorkspaceLister},
 * streamed as one tar by {@link WorkspaceTar} into {@code tar -x} in the guest over SSH ({@link
 * GuestAccess#send}), or onto a never-started VM's work disk ({@link OfflineWorkspace}), and
 * recorded on the VM for {@code vm exec}.
 */
public final class WorkspacePrepare {

  public static final String LIST = "list";
  public static final String SEND = "send";
  public static final String[] STAGES = {LIST, SEND};

  private static final Duration SEND_TIMEOUT = Duration.ofHours(1);
  private static final Logger LOG = LoggerFactory.getLogger(WorkspacePrepare.class);

  private final VmStore store;
  private final VmLookup vms;
  private final GuestAccess access;
  private final KeyedLocks locks;
  private final WorkspaceLister lister;
  private final OfflineWorkspace offline;

  public WorkspacePrepare(
      VmStore store,
      VmLookup vms,
      GuestAccess access,
      KeyedLocks locks,
      WorkspaceLister lister,
      OfflineWorkspace offline) {
    this.store = store;
    this.vms = vms;
    this.access = access;
    this.locks = locks;
    this.lister = lister;
    this.offline = offline;
  }

  public PrepareResult prepare(
      PrepareRequest req, StageProgress progress, BooleanSupplier cancelled) throws Exception {
    WorkspaceRules.checkHostPath(req.hostPath());
    if (!req.guestPath().isEmpty()) {
      WorkspaceRules.checkGuestPath(req.guestPath());
    }
    WorkspaceRules.checkBranch(req.branch(), req.fromRef());
    // The VM first, so a typo in its name fails before any git runs; a dry run needs none.
    VmRecord vm = req.dryRun() ? null : vms.find(req.vm());
    progress.stage(LIST, "listing " + req.hostPath(), 0, 0);
    long listStart = System.nanoTime();
    WorkspaceSource src;
    try {
      src = lister.list(Path.of(req.hostPath()), req.includeUntracked());
    } catch (WorkspaceException e) {
      throw new VmProblem(
          VmProblem.Kind.INVALID_ARGUMENT,
          "WORKSPACE_INVALID",
          e.getMessage(),
          Map.of("host_path", req.hostPath()));
    }
    String guestPath =
        req.guestPath().isEmpty() ? WorkspaceRules.defaultGuestPath(src.root()) : req.guestPath();
    long total = fileBytes(src);
    long listMs = (System.nanoTime() - listStart) / 1_000_000;
    if (req.dryRun()) {
      return new PrepareResult(
          workspace(src, guestPath, req, null), src.paths().size(), total, false, src.paths());
    }
    return locks.with(
        vm.id(),
        () -> {
          VmRecord v = vms.find(vm.id());
          boolean neverStarted = v.state() == VmState.CREATED && v.startedAt() == null;
          if (!neverStarted && (v.state() != VmState.RUNNING || v.ipAddress() == null)) {
            throw VmProblems.notRunning(
                v.name(), v.state(), "a workspace is copied only into a running VM");
          }
          long t0 = System.nanoTime();
          LongConsumer sent =
              done -> {
                if (cancelled.getAsBoolean()) {
                  throw new CancellationException("prepare of " + v.name() + " cancelled");
                }
                progress.stage(SEND, "sent", done, total);
              };
          WorkspaceTar.Written written =
              neverStarted
                  ? offline(v, req, src, guestPath, total, progress, sent)
                  : overSsh(v, req, src, guestPath, total, progress, sent, cancelled);
          LOG.info(
              "workspace {} -> {}:{} ({}): {} entries, {} bytes; listed in {} ms, {} in {} ms",
              src.root(),
              v.name(),
              guestPath,
              neverStarted ? "offline, onto the work disk" : "over SSH",
              written.files(),
              written.bytes(),
              listMs,
              neverStarted ? "written" : "sent and unpacked",
              (System.nanoTime() - t0) / 1_000_000);
          PreparedWorkspace ws = workspace(src, guestPath, req, Instant.now());
          store.setWorkspace(v.id(), ws.toJson());
          return new PrepareResult(ws, written.files(), written.bytes(), neverStarted, List.of());
        });
  }

  private WorkspaceTar.Written offline(
      VmRecord v,
      PrepareRequest req,
      WorkspaceSource src,
      String guestPath,
      long total,
      StageProgress progress,
      LongConsumer sent)
      throws Exception {
    String why =
        !req.branch().isEmpty()
            ? "a branch is made by git in the guest"
            : OfflineWorkspace.problem(src, guestPath);
    if (why != null) {
      throw new VmProblem(
          VmProblem.Kind.FAILED_PRECONDITION,
          "WORKSPACE_NEEDS_RUNNING_VM",
          "VM "
              + v.name()
              + " has not started, and its workspace cannot be written onto its work disk"
              + " offline ("
              + why
              + "); start it and prepare again",
          Map.of("vm", v.name()));
    }
    progress.stage(
        SEND,
        "writing "
            + src.paths().size()
            + " entries onto the work disk of "
            + v.name()
            + " ("
            + guestPath
            + ")",
        0,
        total);
    return offline.write(v, src, total, guestPath, sent);
  }

  /**
   * Streams the tar into {@code tar -x} in the running guest, over the SSH connection readiness
   * made.
   */
  private WorkspaceTar.Written overSsh(
      VmRecord v,
      PrepareRequest req,
      WorkspaceSource src,
      String guestPath,
      long total,
      StageProgress progress,
      LongConsumer sent,
      BooleanSupplier cancelled)
      throws Exception {
    if (!req.force()) {
      refuseGuestChanges(v, guestPath, cancelled);
    }
    progress.stage(
        SEND,
        "sending " + src.paths().size() + " entries to " + v.name() + ":" + guestPath,
        0,
        total);
    WorkspaceTar.Written[] written = new WorkspaceTar.Written[1];
    BoundedBuffer err = new BoundedBuffer(64 * 1024);
    int status =
        access.send(
            v.ipAddress(),
            v.name(),
            WorkspaceRules.receiveCommand(guestPath, req.branch(), req.fromRef()),
            SEND_TIMEOUT,
            stdin -> written[0] = WorkspaceTar.write(src, stdin, sent),
            err,
            cancelled);
    if (status != 0) {
      String why = new String(err.bytes(), StandardCharsets.UTF_8).strip();
      throw new VmProblem(
          VmProblem.Kind.INTERNAL,
          "WORKSPACE_UNPACK_FAILED",
          "unpacking the workspace in "
              + v.name()
              + ":"
              + guestPath
              + (req.branch().isEmpty() ? "" : " or checking out branch " + req.branch())
              + " failed (exit "
              + status
              + (why.isEmpty() ? "" : ": " + why.lines().findFirst().orElse(""))
              + ")",
          Map.of("vm", v.name()));
    }
    return written[0];
  }

  /**
   * A copy again starts with {@code rm -rf} of the old one: refuse while it holds changes made in
   * the VM since it was stamped, naming the first few, unless the request says force.
   */
  private void refuseGuestChanges(VmRecord v, String guestPath, BooleanSupplier cancelled)
      throws Exception {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int status =
        access.run(
            v.ipAddress(),
            v.name(),
            WorkspaceRules.guestChangesCommand(guestPath),
            CHECK_TIMEOUT,
            null,
            out,
            java.io.OutputStream.nullOutputStream(),
            cancelled);
    List<String> changed =
        out.toString(StandardCharsets.UTF_8).lines().map(l -> l.replaceFirst("^\\./", "")).toList();
    if (status != 0 || changed.isEmpty()) {
      return; // nothing there, no stamp, or the check could not run: the copy decides
    }
    String shown =
        String.join(
                ", ", changed.subList(0, Math.min(changed.size(), WorkspaceRules.SHOWN_CHANGES)))
            + (changed.size() > WorkspaceRules.SHOWN_CHANGES ? ", …" : "");
    throw new VmProblem(
        VmProblem.Kind.FAILED_PRECONDITION,
        "WORKSPACE_GUEST_CHANGED",
        v.name()
            + ":"
            + guestPath
            + " has changes made in the VM since it was copied ("
            + shown
            + "), which a new copy would delete: 'banger vm workspace export "
            + v.name()
            + "' saves them as a patch; force (the CLI's --force) copies anyway",
        Map.of("vm", v.name(), "guest_path", guestPath));
  }

  private static PreparedWorkspace workspace(
      WorkspaceSource src, String guestPath, PrepareRequest req, Instant at) {
    return new PreparedWorkspace(
        src.root().toString(), guestPath, src.head(), req.includeUntracked(), req.branch(), at);
  }

  private static final java.time.Duration CHECK_TIMEOUT = java.time.Duration.ofSeconds(60);

  private static long fileBytes(WorkspaceSource src) throws java.io.IOException {
    long n = 0;
    for (String p : src.paths()) {
      Path f = src.root().resolve(p);
      if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
        n += Files.size(f);
      }
    }
    return n;
  }
}
