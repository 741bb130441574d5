package dev.banger.vm;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.api.vm.v1.PrepareWorkspaceRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import dev.banger.api.vm.v1.Workspace;
import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.process.CommandRunner;
import dev.banger.vm.app.VmLifecycle;
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
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PrepareWorkspace (docs/workspaces.md): a host checkout listed by {@link WorkspaceLister},
 * streamed as one tar by {@link WorkspaceTar} into {@code tar -x} in the guest over SSH (the host's
 * OpenSSH client when it has one, {@link GuestAccess#send}), and recorded on the VM for {@code vm
 * exec}.
 */
final class VmWorkspaces {

  static final String LIST = "list";
  static final String SEND = "send";
  static final String[] STAGES = {LIST, SEND};

  /** Under /root (the work disk, which survives restarts); plain components, no "." or "..". */
  static final Pattern GUEST_PATH =
      Pattern.compile("/root(/[A-Za-z0-9_.][A-Za-z0-9._-]{0,127}){1,16}");

  private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

  /**
   * A branch name git accepts and a shell word needs no care for (stricter than
   * git-check-ref-format).
   */
  static final Pattern BRANCH = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._/-]{0,99}");

  /** A commit id or ref name; never an option. */
  static final Pattern REF = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._/^~-]{0,199}");

  private static final Duration SEND_TIMEOUT = Duration.ofHours(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(VmWorkspaces.class);

  private final VmStore store;
  private final VmLifecycle lifecycle;
  private final GuestAccess access;
  private final KeyedLocks locks;
  private final WorkspaceLister lister;
  private final OfflineWorkspace offline;

  VmWorkspaces(
      VmStore store,
      VmLifecycle lifecycle,
      GuestAccess access,
      KeyedLocks locks,
      CommandRunner commands,
      OfflineWorkspace offline) {
    this.offline = offline;
    this.store = store;
    this.lifecycle = lifecycle;
    this.access = access;
    this.locks = locks;
    this.lister = new WorkspaceLister(commands);
  }

  /** What {@code last_workspace} holds, as JSON. */
  record Recorded(
      String hostPath,
      String guestPath,
      String headCommit,
      String preparedAt,
      boolean includeUntracked,
      String branch) {}

  PrepareWorkspaceResult prepare(
      PrepareWorkspaceRequest req, StageProgress progress, BooleanSupplier cancelled)
      throws Exception {
    if (req.getHostPath().isEmpty() || !Path.of(req.getHostPath()).isAbsolute()) {
      throw Errors.invalidArgument(
          "host_path", "host_path must be an absolute path, got \"" + req.getHostPath() + "\"");
    }
    if (!req.getGuestPath().isEmpty()) {
      checkGuestPath(req.getGuestPath());
    }
    checkBranch(req.getBranch(), req.getFromRef());
    // The VM first, so a typo in its name fails before any git runs; a dry run needs none.
    VmRecord vm = req.getDryRun() ? null : lifecycle.find(req.getVm());
    progress.stage(LIST, "listing " + req.getHostPath(), 0, 0);
    long listStart = System.nanoTime();
    WorkspaceSource src;
    try {
      src = lister.list(Path.of(req.getHostPath()), req.getIncludeUntracked());
    } catch (WorkspaceException e) {
      throw Errors.of(
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()),
          "WORKSPACE_INVALID",
          Map.of("host_path", req.getHostPath()));
    }
    String guestPath =
        req.getGuestPath().isEmpty() ? defaultGuestPath(src.root()) : req.getGuestPath();
    long total = fileBytes(src);
    long listMs = (System.nanoTime() - listStart) / 1_000_000;
    if (req.getDryRun()) {
      return PrepareWorkspaceResult.newBuilder()
          .setWorkspace(workspace(src, guestPath, req.getIncludeUntracked(), null))
          .setEntries(src.paths().size())
          .setBytes(total)
          .addAllPaths(src.paths())
          .build();
    }
    return locks.with(
        vm.id(),
        () -> {
          VmRecord v = lifecycle.find(vm.id());
          boolean neverStarted = v.state() == VmState.CREATED && v.startedAt() == null;
          if (!neverStarted && (v.state() != VmState.RUNNING || v.ipAddress() == null)) {
            throw VmProblems.wrongState(
                v.name(),
                v.state().name().toLowerCase(java.util.Locale.ROOT),
                "start it first ('banger vm start " + v.name() + "')");
          }
          long t0 = System.nanoTime();
          LongConsumer sent =
              done -> {
                if (cancelled.getAsBoolean()) {
                  throw new CancellationException("prepare of " + v.name() + " cancelled");
                }
                progress.stage(SEND, "sent", done, total);
              };
          WorkspaceTar.Written written;
          if (neverStarted) {
            String why =
                !req.getBranch().isEmpty()
                    ? "a branch is made by git in the guest"
                    : OfflineWorkspace.problem(src, guestPath);
            if (why != null) {
              throw Errors.of(
                  Status.FAILED_PRECONDITION.withDescription(
                      "VM "
                          + v.name()
                          + " has not started, and its "
                          + "workspace cannot be written onto its work disk offline ("
                          + why
                          + "); start it and prepare again"),
                  "WORKSPACE_NEEDS_RUNNING_VM",
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
            written = offline.write(v, src, total, guestPath, sent);
          } else {
            progress.stage(
                SEND,
                "sending " + src.paths().size() + " entries to " + v.name() + ":" + guestPath,
                0,
                total);
            written = overSsh(v, req, src, guestPath, sent, cancelled);
          }
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
          Instant now = Instant.now();
          Workspace ws =
              workspace(src, guestPath, req.getIncludeUntracked(), now).toBuilder()
                  .setBranch(req.getBranch())
                  .build();
          store.setWorkspace(
              v.id(),
              JSON.writeValueAsString(
                  new Recorded(
                      ws.getHostPath(),
                      guestPath,
                      src.head(),
                      now.toString(),
                      req.getIncludeUntracked(),
                      req.getBranch())));
          return PrepareWorkspaceResult.newBuilder()
              .setWorkspace(ws)
              .setEntries(written.files())
              .setBytes(written.bytes())
              .setOffline(neverStarted)
              .build();
        });
  }

  /**
   * Streams the tar into {@code tar -x} in the running guest, over the SSH connection readiness
   * made.
   */
  private WorkspaceTar.Written overSsh(
      VmRecord v,
      PrepareWorkspaceRequest req,
      WorkspaceSource src,
      String guestPath,
      LongConsumer sent,
      BooleanSupplier cancelled)
      throws Exception {
    WorkspaceTar.Written[] written = new WorkspaceTar.Written[1];
    BoundedBuffer err = new BoundedBuffer(64 * 1024);
    int status =
        access.send(
            v.ipAddress(),
            v.name(),
            receiveCommand(guestPath, req.getBranch(), req.getFromRef()),
            SEND_TIMEOUT,
            stdin -> written[0] = WorkspaceTar.write(src, stdin, sent),
            err,
            cancelled);
    if (status != 0) {
      String why = new String(err.bytes(), StandardCharsets.UTF_8).strip();
      throw Errors.of(
          Status.INTERNAL.withDescription(
              "unpacking the workspace in "
                  + v.name()
                  + ":"
                  + guestPath
                  + (req.getBranch().isEmpty() ? "" : " or checking out branch " + req.getBranch())
                  + " failed (exit "
                  + status
                  + (why.isEmpty() ? "" : ": " + why.lines().findFirst().orElse(""))
                  + ")"),
          "WORKSPACE_UNPACK_FAILED",
          Map.of("vm", v.name()));
    }
    return written[0];
  }

  /**
   * The one command the guest runs; every piece is checked against a pattern that admits no shell
   * character ({@link #GUEST_PATH}, {@link #BRANCH}, {@link #REF}), and quoted anyway.
   */
  static String receiveCommand(String guestPath, String branch, String fromRef) {
    String q = "'" + guestPath + "'";
    String cmd = "rm -rf -- " + q + " && mkdir -p -- " + q + " && tar -x -p -f - -C " + q;
    if (!branch.isEmpty()) {
      cmd +=
          " && git -C "
              + q
              + " checkout -q -b '"
              + branch
              + "'"
              + (fromRef.isEmpty() ? "" : " '" + fromRef + "'");
    }
    return cmd;
  }

  static void checkBranch(String branch, String fromRef) {
    if (!fromRef.isEmpty() && branch.isEmpty()) {
      throw Errors.invalidArgument("from_ref", "from_ref needs a branch to start: give branch too");
    }
    if (!branch.isEmpty()
        && (!BRANCH.matcher(branch).matches()
            || branch.contains("..")
            || branch.contains("//")
            || branch.endsWith("/")
            || branch.endsWith(".lock")
            || branch.endsWith("."))) {
      throw Errors.invalidArgument(
          "branch",
          "branch \""
              + dev.banger.kit.text.Printable.bare(branch, 100)
              + "\" is not a branch name banger accepts (letters, digits, '.', '_', '-', '/')");
    }
    if (!fromRef.isEmpty() && (!REF.matcher(fromRef).matches() || fromRef.contains(".."))) {
      throw Errors.invalidArgument(
          "from_ref",
          "from_ref \""
              + dev.banger.kit.text.Printable.bare(fromRef, 100)
              + "\" is not a commit id or ref name");
    }
  }

  static void checkGuestPath(String p) {
    if (!GUEST_PATH.matcher(p).matches()
        || p.contains("/../")
        || p.endsWith("/..")
        || p.contains("/./")
        || p.endsWith("/.")) {
      throw Errors.invalidArgument(
          "guest_path",
          "guest_path \""
              + dev.banger.kit.text.Printable.bare(p, 200)
              + "\" must be below /root (the work disk), made of letters, digits, '.', '_' and '-', e.g. /root/repo");
    }
  }

  static String defaultGuestPath(Path root) {
    String name = root.getFileName() == null ? "" : root.getFileName().toString();
    return "/root/"
        + (COMPONENT.matcher(name).matches() && !name.equals("..") ? name : "workspace");
  }

  static Workspace toProto(String json) {
    try {
      Recorded r = JSON.readValue(json, Recorded.class);
      Instant at = Instant.parse(r.preparedAt());
      return Workspace.newBuilder()
          .setHostPath(r.hostPath())
          .setGuestPath(r.guestPath())
          .setHeadCommit(r.headCommit())
          .setIncludeUntracked(r.includeUntracked())
          .setBranch(r.branch() == null ? "" : r.branch())
          .setPrepareTime(VmGrpcService.ts(at))
          .build();
    } catch (Exception e) {
      LOG.warn("unreadable last_workspace {}: {}", json, e.getMessage());
      return null;
    }
  }

  private static Workspace workspace(
      WorkspaceSource src, String guestPath, boolean untracked, Instant at) {
    Workspace.Builder b =
        Workspace.newBuilder()
            .setHostPath(src.root().toString())
            .setGuestPath(guestPath)
            .setHeadCommit(src.head())
            .setIncludeUntracked(untracked);
    if (at != null) {
      b.setPrepareTime(VmGrpcService.ts(at));
    }
    return b.build();
  }

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
