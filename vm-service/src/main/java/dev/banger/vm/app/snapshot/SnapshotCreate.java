package dev.banger.vm.app.snapshot;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.ops.StageProgress;
import dev.banger.vm.app.VmControl;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.VmNames;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.app.VmProblems;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.ports.SnapshotDiskPort;
import dev.banger.vm.runtime.VmRuntime;
import dev.banger.vm.steps.Step;
import dev.banger.vm.steps.StepFailedException;
import dev.banger.vm.steps.StepRunner;
import dev.banger.vm.store.SnapshotRecord;
import dev.banger.vm.store.SnapshotStore;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmStore;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a snapshot of a running or paused VM (docs/snapshots.md): drop the guest's page cache,
 * pause, copy disks, save state and record, each a step with its undo, then resume; all under the
 * VM's lock, so no stop, delete or workspace copy of the VM runs meanwhile. The name is checked
 * before anything is touched.
 */
public final class SnapshotCreate {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotCreate.class);

  private final VmStore vms;
  private final SnapshotStore snapshots;
  private final VmLookup lookup;
  private final VmRuntime runtime;
  private final VmControl control;
  private final KeyedLocks locks;
  private final List<SnapshotStep> steps;
  private final java.util.function.LongSupplier freeBytes;

  public SnapshotCreate(
      VmStore vms,
      SnapshotStore snapshots,
      VmRuntime runtime,
      VmControl control,
      KeyedLocks locks,
      SnapshotDiskPort disks,
      dev.banger.vm.ports.GuestAccess guest,
      java.util.function.LongSupplier freeBytes) {
    this.freeBytes = freeBytes;
    this.vms = vms;
    this.snapshots = snapshots;
    this.lookup = new VmLookup(vms);
    this.runtime = runtime;
    this.control = control;
    this.locks = locks;
    this.steps =
        List.of(
            new DropCachesStep(guest),
            new PauseStep(vms),
            new CopyDisksStep(disks),
            new SaveStateStep(),
            new RecordStep(snapshots));
  }

  /**
   * The last stage: not a step of the plan, since it comes after the row and its failure undoes
   * nothing (the snapshot is whole; the VM is left paused and the error says so).
   */
  static final String RESUME = "resume";

  /** The stage names of a snapshot, in order (Progress.stage_index follows them). */
  public static String[] stages() {
    return new String[] {
      DropCachesStep.NAME,
      PauseStep.NAME,
      CopyDisksStep.NAME,
      SaveStateStep.NAME,
      RecordStep.NAME,
      RESUME
    };
  }

  public SnapshotRecord create(
      String vmRef, String name, StageProgress progress, BooleanSupplier cancelled)
      throws Exception {
    String problem = VmNames.problem(name);
    if (problem != null) {
      throw VmProblem.invalid("name", problem.replaceFirst("^VM name", "snapshot name"));
    }
    VmRecord found = lookup.find(vmRef);
    // The name's lock too: two snapshots of two VMs under one name must not both get to the row.
    return locks.with(
        "snapshot-name:" + name,
        () -> locks.with(found.id(), () -> createLocked(found, name, progress, cancelled)));
  }

  private SnapshotRecord createLocked(
      VmRecord found, String name, StageProgress progress, BooleanSupplier cancelled)
      throws Exception {
    if (snapshots.nameTaken(name)) {
      throw new VmProblem(
          VmProblem.Kind.ALREADY_EXISTS,
          "SNAPSHOT_EXISTS",
          "snapshot \"" + name + "\" already exists",
          Map.of("snapshot", name));
    }
    VmRecord vm = control.refresh(lookup.find(found.id()));
    if (!vm.state().live()) {
      throw VmProblems.wrongState(
          vm.name(), vm.state().column(), "only a running or paused VM can be snapshotted");
    }
    requireRoomForMemory(vm);
    if (!vm.driver().equals("qemu")) {
      throw new VmProblem(
          VmProblem.Kind.UNIMPLEMENTED,
          "SNAPSHOT_DRIVER",
          "snapshots are built for the qemu driver; vm \""
              + vm.name()
              + "\" runs under "
              + vm.driver(),
          Map.of("vm", vm.name(), "driver", vm.driver()));
    }
    RunningVm vmm = runtime.vmmOf(vm.id(), vm.name());
    refuseSavedAlready(vm, vmm);
    // A VM running restored from a snapshot holds that snapshot's address, not its lease's.
    dev.banger.vm.runtime.Handles.Guest guest =
        runtime
            .get(vm.id())
            .map(e -> e.handles().guest())
            .orElse(new dev.banger.vm.runtime.Handles.Guest(vm.ipAddress(), vm.macAddress()));
    SnapshotState state = new SnapshotState(UUID.randomUUID().toString(), name, vm, vmm, guest);
    long t0 = System.nanoTime();
    try {
      StepRunner.run(
          steps.stream().map(s -> Step.of(s.name(), ctx -> s.run(state, ctx))).toList(),
          listener(progress, vm.name()),
          cancelled);
    } catch (StepFailedException e) {
      throw new SnapshotFailed(name, vm.name(), e);
    }
    SnapshotRecord r = state.record();
    // After the row: a VM that will not run again does not cost the snapshot, which is
    // whole; the error says the VM is left paused.
    progress.stage(RESUME, sentence(RESUME, vm.name()), 0, 0);
    try {
      if (state.pausedHere()) {
        vmm.resume();
        vms.setPaused(vm.id(), false);
      }
    } catch (Exception e) {
      throw new VmProblem(
          VmProblem.Kind.UNAVAILABLE,
          "SNAPSHOT_VM_NOT_RESUMED",
          "snapshot \""
              + name
              + "\" was taken, but vm \""
              + vm.name()
              + "\" could not be resumed and is paused: "
              + e.getMessage(),
          Map.of("vm", vm.name(), "snapshot", name));
    }
    LOG.info(
        "snapshot {} of VM {} taken in {} ms: state {} bytes, disks {} bytes in {}",
        r.name(),
        vm.name(),
        (System.nanoTime() - t0) / 1_000_000,
        r.stateBytes(),
        r.diskBytes(),
        r.directory());
    return r;
  }

  /**
   * The saved memory is at most the guest's memory; refused before the pause when the file system
   * of the snapshots cannot take it, so a full disk never costs the VM a pause. The disk copies are
   * not counted here: disk-service's copy fails its step when space runs out, and is undone.
   */
  private void requireRoomForMemory(VmRecord vm) {
    long need = (long) vm.memoryMib() << 20;
    long free = freeBytes.getAsLong();
    if (free < need) {
      throw new VmProblem(
          VmProblem.Kind.FAILED_PRECONDITION,
          "SNAPSHOT_NO_SPACE",
          "not enough free space for the memory of vm \""
              + vm.name()
              + "\": "
              + (need >> 20)
              + " MiB needed, "
              + (free >> 20)
              + " MiB free",
          Map.of("vm", vm.name()));
    }
  }

  /**
   * Usable bytes of the file system holding {@code dir} (0 when it cannot be read). disk-service
   * makes {@code dir}; before it has, the state directory above it is on the same file system.
   */
  public static java.util.function.LongSupplier usableSpace(java.nio.file.Path dir) {
    return () -> {
      try {
        java.nio.file.Path probe = java.nio.file.Files.isDirectory(dir) ? dir : dir.getParent();
        return java.nio.file.Files.getFileStore(probe).getUsableSpace();
      } catch (java.io.IOException e) {
        return 0;
      }
    };
  }

  /**
   * QEMU 7.2 aborts when a state already saved is saved again without a run in between (its disks
   * were handed over at the first save): a VM paused since its last snapshot is sent back.
   */
  private static void refuseSavedAlready(VmRecord vm, RunningVm vmm) throws DriverException {
    if (vm.state() == dev.banger.vm.store.VmState.PAUSED && "postmigrate".equals(vmm.status())) {
      throw VmProblems.wrongState(
          vm.name(),
          "paused",
          "it was snapshotted since it was paused; resume it (banger vm resume "
              + vm.name()
              + ") before another snapshot");
    }
  }

  private static StepRunner.Listener listener(StageProgress progress, String vm) {
    return new StepRunner.Listener() {
      @Override
      public void started(int index, int count, String step) {
        progress.stage(step, sentence(step, vm), 0, 0);
      }

      @Override
      public void finished(int index, int count, String step, long millis) {}
    };
  }

  private static String sentence(String step, String vm) {
    return switch (step) {
      case PauseStep.NAME -> "pausing " + vm;
      case CopyDisksStep.NAME -> "copying the disks of " + vm;
      case SaveStateStep.NAME -> "saving the memory and device state of " + vm;
      case RecordStep.NAME -> "recording the snapshot";
      default -> "resuming " + vm;
    };
  }
}
