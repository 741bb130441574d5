package dev.banger.vm.app;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.kit.config.VmSizing;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.text.Printable;
import dev.banger.vm.app.start.StartPlan;
import dev.banger.vm.app.start.StartState;
import dev.banger.vm.ports.BootImage;
import dev.banger.vm.ports.ImagePort;
import dev.banger.vm.runtime.VmRuntime;
import dev.banger.vm.steps.StepFailedException;
import dev.banger.vm.steps.StepRunner;
import dev.banger.vm.store.SnapshotRecord;
import dev.banger.vm.store.SnapshotStore;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Create and start, the VM operations that run the start plan. Every operation on a VM holds that
 * VM's lock, so operations on different VMs never wait on each other; the state in SQLite is set
 * before and after the work, so a crash in between is visible to reconcile.
 *
 * <p>A create whose first start the client cancelled is undone entirely, record included, as if
 * never asked (unless {@code keep_failed}); a create or start cut short by vm-service stopping is
 * rolled back and the caller told so.
 */
public final class VmLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(VmLifecycle.class);
  public static final String RESOLVE = "resolve-image";

  private final VmStore store;
  private final VmLookup lookup;
  private final ImagePort images;
  private final StartPlan plan;
  private final VmRuntime runtime;
  private final VmConfig config;
  private final VmSizing.Resolved sizing;
  private final String driverName;
  private final KeyedLocks locks;
  private final VmRemoval removal;
  private final Draining draining;
  private final StartPlan restorePlan;
  private final CloneSource clones;
  private final SnapshotUse snapshotUse;

  /**
   * The starts under way, by VM id: a forced delete cancels the start instead of waiting for it.
   */
  private final Map<String, AtomicBoolean> starting = new ConcurrentHashMap<>();

  /** Everything create and start need; one record so the wiring names each part. */
  public record Parts(
      VmStore store,
      ImagePort images,
      StartPlan plan,
      VmRuntime runtime,
      VmConfig config,
      VmSizing.Resolved sizing,
      String driverName,
      KeyedLocks locks,
      VmRemoval removal,
      Draining draining,
      Restores restores) {}

  /** What a create from a snapshot needs beyond a boot's parts. */
  public record Restores(StartPlan plan, SnapshotStore snapshots, SnapshotUse use) {}

  public VmLifecycle(Parts p) {
    this.store = p.store();
    this.lookup = new VmLookup(p.store());
    this.images = p.images();
    this.plan = p.plan();
    this.runtime = p.runtime();
    this.config = p.config();
    this.sizing = p.sizing();
    this.driverName = p.driverName();
    this.locks = p.locks();
    this.removal = p.removal();
    this.draining = p.draining();
    this.restorePlan = p.restores().plan();
    this.clones = new CloneSource(p.restores().snapshots(), p.driverName());
    this.snapshotUse = p.restores().use();
  }

  public static String[] createStages() {
    return createStages(false);
  }

  /** A create's stages: resolving the image, then the boot's or the restore's start plan. */
  public static String[] createStages(boolean fromSnapshot) {
    String[] plan = fromSnapshot ? StartPlan.RESTORE_STAGES : StartPlan.STAGES;
    String[] s = new String[plan.length + 1];
    s[0] = RESOLVE;
    System.arraycopy(plan, 0, s, 1, plan.length);
    return s;
  }

  /**
   * Records a VM (and starts it unless {@code no_start}). A retry with the same request_id returns
   * the same VM; the same request_id with another request is ALREADY_EXISTS naming the difference.
   */
  public VmRecord create(CreateRequest req, StageProgress progress, BooleanSupplier cancelled)
      throws Exception {
    draining.enter();
    try {
      return createEntered(req, progress, cancelled);
    } finally {
      draining.exit();
    }
  }

  private VmRecord createEntered(
      CreateRequest req, StageProgress progress, BooleanSupplier cancelled) throws Exception {
    String requestProblem = CreateRequest.requestIdProblem(req.requestId());
    if (requestProblem != null) {
      throw VmProblem.invalid("request_id", requestProblem);
    }
    if (!req.requestId().isEmpty()) {
      var earlier = store.byCreateRequest(req.requestId());
      if (earlier.isPresent()) {
        return retried(req, earlier.get());
      }
    }
    String name = req.name().isEmpty() ? VmNames.generate(this::taken) : req.name();
    String problem = VmNames.problem(name);
    if (problem != null) {
      throw VmProblem.invalid("name", problem);
    }
    if (store.nameTaken(name)) {
      throw VmProblems.alreadyExists(name);
    }
    SnapshotRecord from = req.snapshot().isEmpty() ? null : clones.resolve(req);
    if (from != null) {
      snapshotUse.acquire(from);
      // A delete that ran between the read and the acquire has taken the files: look again.
      if (!clones.stillThere(from)) {
        snapshotUse.release(from);
        throw CloneSource.notFound(req.snapshot());
      }
    }
    try {
      return createAndStart(req, name, from, progress, cancelled);
    } finally {
      if (from != null) {
        snapshotUse.release(from);
      }
    }
  }

  private VmRecord createAndStart(
      CreateRequest req,
      String name,
      SnapshotRecord from,
      StageProgress progress,
      BooleanSupplier cancelled)
      throws Exception {
    VmRecord vm =
        record(
            from == null ? req : CloneSource.shapedBy(req, from), req.canonical(), name, progress);
    if (req.noStart()) {
      return lookup.find(vm.id());
    }
    try {
      return startEntered(vm.id(), progress, cancelled, from);
    } catch (CancelledStart c) {
      if (!req.keepFailed()) {
        removeRecord(vm, name, "cancelled");
      }
      throw c.problem();
    } catch (StartFailed f) {
      // A VM whose restore failed has no disks left and would boot cold from its image on a
      // later start, which is not what was asked: it goes, unless kept for inspection.
      if (from != null && !req.keepFailed()) {
        removeRecord(vm, name, "failed");
      }
      throw f;
    }
  }

  /** Removes the record of a create whose start was rolled back; logs, never throws. */
  private void removeRecord(VmRecord vm, String name, String how) {
    try {
      locks.with(
          vm.id(),
          () -> {
            removal.remove(lookup.find(vm.id()));
            return null;
          });
      LOG.info("create of VM {} {}: rolled back and its record removed", name, how);
    } catch (Exception e) {
      // The start is rolled back; only the record and its references are left, in error,
      // for a later delete. The caller is still told what ended the create.
      LOG.warn(
          "create of VM {} {} and rolled back; removing its record failed: {}",
          name,
          how,
          e.toString());
    }
  }

  /**
   * The earlier VM of a retried create, or ALREADY_EXISTS when the id was used for another request.
   */
  private VmRecord retried(CreateRequest req, VmRecord earlier) throws SQLException {
    String before = store.createRequestOf(req.requestId()).orElse(null);
    if (before != null) {
      // What was asked, not what was made: a generated name is an empty name in both.
      List<String> diff = req.differencesFrom(before);
      if (!diff.isEmpty()) {
        throw new VmProblem(
            VmProblem.Kind.ALREADY_EXISTS,
            "REQUEST_ID_REUSED",
            "request_id "
                + Printable.quoted(req.requestId(), 60)
                + " was used for another create (VM \""
                + earlier.name()
                + "\"); it differs in "
                + String.join(", ", diff),
            Map.of("request_id", Printable.bare(req.requestId(), 128), "vm", earlier.name()));
      }
    }
    return earlier;
  }

  /** Resolves the image and sizes, inserts the row (state created), and pins the image. */
  private VmRecord record(CreateRequest req, String asked, String name, StageProgress progress)
      throws Exception {
    // Zero: the size resolved from [vm_defaults], [vm], the host and the floors (VmSizing).
    int vcpu = req.vcpu() == 0 ? (int) sizing.vcpu().value() : req.vcpu();
    int mem = req.memoryMib() == 0 ? (int) sizing.memoryMib().value() : req.memoryMib();
    long work = req.workDiskBytes() == 0 ? sizing.workDiskBytes().value() : req.workDiskBytes();
    long overlay =
        req.systemOverlayBytes() == 0
            ? config.systemOverlayBytesOrDefault()
            : req.systemOverlayBytes();
    try {
      VmConfig.checkSpec("spec.", vcpu, mem, work, overlay);
    } catch (IllegalArgumentException e) {
      throw VmProblem.invalid("spec", e.getMessage());
    }
    if (!req.driver().isEmpty() && !req.driver().equals(driverName)) {
      throw VmProblem.invalid(
          "spec.driver",
          "driver \""
              + Printable.bare(req.driver(), 40)
              + "\" is not the one this host runs ("
              + driverName
              + ")");
    }
    String imageRef = req.image().isEmpty() ? config.defaultImageOrDefault() : req.image();
    progress.stage(RESOLVE, "resolving image " + imageRef, 0, 0);
    BootImage r = images.resolve(req.image(), req.kernel());
    String id = UUID.randomUUID().toString();
    VmRecord vm =
        VmRecord.builder()
            .id(id)
            .name(name)
            .image(r.imageId())
            .kernel(r.kernelId())
            .vcpu(vcpu)
            .memoryMib(mem)
            .workDiskBytes(work)
            .systemOverlayBytes(overlay)
            .nat(req.nat())
            .driver(driverName)
            .createRequestId(req.requestId().isEmpty() ? null : req.requestId())
            .ownerUid(req.ownerUid())
            .build();
    try {
      store.insert(vm);
    } catch (SQLException e) {
      if (store.nameTaken(name)) {
        throw VmProblems.alreadyExists(name);
      }
      throw e;
    }
    // The row first, then the image's reference to it: a crash in between leaves a row that a
    // delete removes (reference removal is idempotent), never a reference no VM owns. The image
    // refuses deletion from here on.
    try {
      images.addReference(r.imageId(), id);
    } catch (RuntimeException e) {
      store.delete(id);
      throw e;
    }
    if (!req.requestId().isEmpty()) {
      store.setCreateRequest(id, asked); // what was asked, which a retry is compared with
    }
    LOG.info(
        "created VM {} ({}) from image {} with kernel {}", name, id, r.imageName(), r.kernelName());
    return vm;
  }

  private boolean taken(String name) {
    try {
      return store.nameTaken(name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A start that was cancelled and rolled back; {@link #problem()} is what the caller is told. */
  static final class CancelledStart extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient RuntimeException problem;

    CancelledStart(RuntimeException problem) {
      super(problem.getMessage(), problem);
      this.problem = problem;
    }

    RuntimeException problem() {
      return problem;
    }
  }

  /**
   * Starts a created, stopped or failed VM; a running one is returned as it is (a retried start).
   */
  public VmRecord start(String ref, StageProgress progress, BooleanSupplier cancelled)
      throws Exception {
    draining.enter();
    try {
      return startEntered(ref, progress, cancelled, null);
    } catch (CancelledStart c) {
      throw c.problem();
    } finally {
      draining.exit();
    }
  }

  /**
   * @param from the snapshot a new VM's first start restores, or null to boot
   */
  private VmRecord startEntered(
      String ref, StageProgress progress, BooleanSupplier cancelled, SnapshotRecord from)
      throws Exception {
    VmRecord vm = lookup.find(ref);
    return locks.with(
        vm.id(),
        () -> {
          VmRecord v = lookup.find(vm.id());
          if (v.state() == VmState.RUNNING) {
            return v;
          }
          if (v.state() == VmState.PAUSED) {
            throw VmProblems.wrongState(
                v.name(), v.state().column(), "resume it (banger vm resume " + v.name() + ")");
          }
          if (!v.state().atRest()) {
            throw VmProblems.wrongState(
                v.name(), v.state().column(), "another operation is under way");
          }
          boolean first = v.startedAt() == null;
          BootImage r = images.resolve(v.image(), v.kernel());
          store.setState(v.id(), VmState.STARTING, null);
          StartState state = new StartState(v, r, first, from);
          StartPlan chosen = from == null ? plan : restorePlan;
          AtomicBoolean deleting = new AtomicBoolean();
          starting.put(v.id(), deleting);
          long t0 = System.nanoTime();
          try {
            List<StepRunner.Timing> timings =
                chosen.run(
                    state,
                    listener(progress),
                    () -> cancelled.getAsBoolean() || draining.stopping() || deleting.get());
            LOG.info(
                "{} VM {} in {} ms: {}",
                from == null ? "started" : "restored from snapshot " + from.name() + ",",
                v.name(),
                (System.nanoTime() - t0) / 1_000_000,
                timings);
          } catch (StepFailedException e) {
            if (e.cancelled() && draining.stopping()) {
              store.setState(
                  v.id(), VmState.ERROR, "vm-service stopped during the start; " + outcome(e));
              throw new CancelledStart(Draining.stopping("VM " + v.name() + " " + outcome(e)));
            }
            store.setState(v.id(), VmState.ERROR, e.getMessage());
            if (e.cancelled()) {
              throw new CancelledStart(new StartFailed(v.name(), e));
            }
            throw new StartFailed(v.name(), e);
          } catch (Exception | Error e) {
            store.setState(v.id(), VmState.ERROR, "start failed: " + e);
            throw e;
          } finally {
            starting.remove(v.id());
          }
          runtime.put(v.id(), state.vmm(), state.handles());
          store.setNetwork(v.id(), state.lease().ip(), state.lease().mac());
          store.setState(v.id(), VmState.RUNNING, null);
          return lookup.find(v.id());
        });
  }

  private static String outcome(StepFailedException e) {
    return e.failedUndos().isEmpty()
        ? "rolled back"
        : "rolled back, except " + String.join("; ", e.failedUndos());
  }

  private static StepRunner.Listener listener(StageProgress progress) {
    return new StepRunner.Listener() {
      @Override
      public void started(int index, int count, String step) {
        // The stage's place is Progress.stage_index/stage_count, counted over the whole call
        // (resolve-image is its first stage): a second counter in the text would disagree.
        progress.stage(step, step, 0, 0);
      }

      @Override
      public void finished(int index, int count, String step, long millis) {
        progress.stage(step, step + " done in " + millis + " ms", 0, 0);
      }
    };
  }

  /**
   * Cancels the start under way of VM {@code id}, if any: its steps stop at their next check and
   * roll back, releasing the VM's lock. Used by a forced delete, which would otherwise wait for the
   * whole boot.
   */
  public boolean cancelStart(String id) {
    AtomicBoolean flag = starting.get(id);
    if (flag == null) {
      return false;
    }
    flag.set(true);
    return true;
  }

  public VmRecord find(String ref) throws SQLException {
    return lookup.find(ref);
  }
}
