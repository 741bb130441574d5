package dev.banger.vm;

import dev.banger.api.image.v1.AddImageReferenceRequest;
import dev.banger.api.image.v1.RemoveImageReferenceRequest;
import dev.banger.api.net.v1.ReleaseTapRequest;
import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.VmSpec;
import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.kit.config.VmSizing;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.ops.StageProgress;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.runtime.HandlesFile;
import dev.banger.vm.steps.StepFailedException;
import dev.banger.vm.steps.StepRunner;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Create and start, the VM operations that run the start plan. Every operation on a VM holds
 * that VM's lock, so operations on different VMs never wait on each other; the state in SQLite
 * is set before and after the work, so a crash in between is visible to reconcile.
 */
final class VmLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(VmLifecycle.class);
  static final String RESOLVE = "resolve-image";

  private final VmStore store;
  private final Peers peers;
  private final VmResolver resolver;
  private final StartPlan plan;
  private final VmRuntime runtime;
  private final VmConfig config;
  private final String driverName;
  private final KeyedLocks locks;

  private final VmSizing.Resolved sizing;

  VmLifecycle(VmStore store, Peers peers, VmResolver resolver, StartPlan plan, VmRuntime runtime, VmConfig config,
      VmSizing.Resolved sizing, String driverName, KeyedLocks locks) {
    this.sizing = sizing;
    this.store = store;
    this.peers = peers;
    this.resolver = resolver;
    this.plan = plan;
    this.runtime = runtime;
    this.config = config;
    this.driverName = driverName;
    this.locks = locks;
  }

  static String[] createStages() {
    String[] s = new String[StartPlan.STAGES.length + 1];
    s[0] = RESOLVE;
    System.arraycopy(StartPlan.STAGES, 0, s, 1, StartPlan.STAGES.length);
    return s;
  }

  /** Records a VM (and starts it unless {@code no_start}); a retry with the same request_id returns the same VM. */
  VmRecord create(CreateVmRequest req, StageProgress progress, BooleanSupplier cancelled) throws Exception {
    if (!req.getRequestId().isEmpty()) {
      var earlier = store.byCreateRequest(req.getRequestId());
      if (earlier.isPresent()) {
        return earlier.get();
      }
    }
    String name = req.getName().isEmpty() ? VmNames.generate(this::taken) : req.getName();
    String problem = VmNames.problem(name);
    if (problem != null) {
      throw Errors.invalidArgument("name", problem);
    }
    if (store.nameTaken(name)) {
      throw VmErrors.alreadyExists(name);
    }
    VmSpec spec = req.getSpec();
    // Zero: the size resolved from [vm_defaults], [vm], the host and the floors (VmSizing).
    int vcpu = spec.getVcpu() == 0 ? (int) sizing.vcpu().value() : spec.getVcpu();
    int mem = spec.getMemoryMib() == 0 ? (int) sizing.memoryMib().value() : spec.getMemoryMib();
    long work = spec.getWorkDiskBytes() == 0 ? sizing.workDiskBytes().value() : spec.getWorkDiskBytes();
    long overlay = spec.getSystemOverlayBytes() == 0 ? config.systemOverlayBytesOrDefault()
        : spec.getSystemOverlayBytes();
    try {
      VmConfig.checkSpec("spec.", vcpu, mem, work, overlay);
    } catch (IllegalArgumentException e) {
      throw Errors.invalidArgument("spec", e.getMessage());
    }
    if (!spec.getDriver().isEmpty() && !spec.getDriver().equals(driverName)) {
      throw Errors.invalidArgument("spec.driver", "driver \"" + dev.banger.kit.text.Printable.bare(spec.getDriver(), 40)
          + "\" is not the one this host runs (" + driverName + ")");
    }
    progress.stage(RESOLVE, "resolving image " + (req.getImage().isEmpty() ? config.defaultImageOrDefault()
        : req.getImage()), 0, 0);
    VmResolver.Resolved r = resolver.resolve(req.getImage(), req.getKernel());
    String id = UUID.randomUUID().toString();
    // The reference first: image-service then refuses to delete the image under the new VM.
    peers.image().addImageReference(AddImageReferenceRequest.newBuilder().setImage(r.image().getId()).setVmId(id)
        .build());
    VmRecord vm = new VmRecord(id, name, r.image().getId(), r.kernel().getId(), vcpu, mem, work, overlay,
        spec.getNat(), driverName, VmState.CREATED, null, null, null, null,
        req.getRequestId().isEmpty() ? null : req.getRequestId(), null, null, null);
    try {
      store.insert(vm);
    } catch (java.sql.SQLException e) {
      peers.image().removeImageReference(RemoveImageReferenceRequest.newBuilder().setImage(r.image().getId())
          .setVmId(id).build());
      if (store.nameTaken(name)) {
        throw VmErrors.alreadyExists(name);
      }
      throw e;
    }
    LOG.info("created VM {} ({}) from image {} with kernel {}", name, id, r.image().getName(), r.kernel().getName());
    if (req.getNoStart()) {
      return store.find(id).orElseThrow();
    }
    return start(id, progress, cancelled);
  }

  private boolean taken(String name) {
    try {
      return store.nameTaken(name);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts a created, stopped or failed VM; a running one is returned as it is (a retried start). */
  VmRecord start(String ref, StageProgress progress, BooleanSupplier cancelled) throws Exception {
    VmRecord vm = find(ref);
    return locks.with(vm.id(), () -> {
      VmRecord v = find(vm.id());
      if (v.state() == VmState.RUNNING) {
        return v;
      }
      if (!v.state().atRest()) {
        throw VmErrors.wrongState(v.name(), v.state().column(), "another operation is under way");
      }
      boolean first = v.startedAt() == null;
      VmResolver.Resolved r = resolver.resolve(v.image(), v.kernel());
      store.setState(v.id(), VmState.STARTING, null);
      StartPlan.Outcome out = new StartPlan.Outcome();
      long t0 = System.nanoTime();
      try {
        List<StepRunner.Timing> timings = StepRunner.run(plan.steps(v, r, first, out), listener(progress), cancelled);
        LOG.info("started VM {} in {} ms: {}", v.name(), (System.nanoTime() - t0) / 1_000_000, timings);
      } catch (StepFailedException e) {
        store.setState(v.id(), VmState.ERROR, e.getMessage());
        throw VmErrors.startFailed(v.name(), e);
      } catch (Exception | Error e) {
        store.setState(v.id(), VmState.ERROR, "start failed: " + e);
        throw e;
      }
      runtime.put(v.id(), out.vmm, out.handles);
      store.setNetwork(v.id(), out.lease.getIpAddress(), out.lease.getMacAddress());
      store.setState(v.id(), VmState.RUNNING, null);
      return find(v.id());
    });
  }

  private static StepRunner.Listener listener(StageProgress progress) {
    return new StepRunner.Listener() {
      @Override
      public void started(int index, int count, String step) {
        progress.stage(step, step + " (" + index + "/" + count + ")", 0, 0);
      }

      @Override
      public void finished(int index, int count, String step, long millis) {
        progress.stage(step, step + " done in " + millis + " ms", 0, 0);
      }
    };
  }

  VmRecord find(String ref) throws java.sql.SQLException {
    if (ref.isEmpty()) {
      throw Errors.invalidArgument("vm", "vm (an id or name) is required");
    }
    return store.find(ref).orElseThrow(() -> VmErrors.notFound(dev.banger.kit.text.Printable.bare(ref, 80)));
  }

  /** Ends a VMM and gives back its per-boot resources: the tap and the handles file. */
  void releaseBoot(VmRecord v, RunningVm vmm) throws Exception {
    if (vmm != null && vmm.alive()) {
      vmm.kill();
      vmm.awaitExit(Duration.ofSeconds(10));
    }
    runtime.remove(v.id());
    peers.net().releaseTap(ReleaseTapRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setVmId(v.id())
        .build());
    HandlesFile.remove(runtime.paths().vmDir(v.id()));
  }
}
