package dev.banger.vm.app.start;

import dev.banger.vm.driver.LaunchSpec;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.ports.BootImage;
import dev.banger.vm.ports.Lease;
import dev.banger.vm.runtime.Handles;
import dev.banger.vm.store.SnapshotRecord;
import dev.banger.vm.store.VmRecord;
import java.util.Objects;

/**
 * What one start's steps hand to each other. The inputs are fixed at construction; each output is
 * set once by the step that makes it, and reading it before that step ran is a bug (an
 * IllegalStateException naming the missing piece), not a null passed along.
 */
public final class StartState {

  private final VmRecord vm;
  private final BootImage image;
  private final boolean firstStart;
  private final SnapshotRecord snapshot;
  private Lease lease;
  private String overlayPath;
  private String workDiskPath;
  private String tap;
  private LaunchSpec launch;
  private RunningVm vmm;
  private Handles handles;

  /**
   * @param firstStart true when the VM never ran: the lease and disks this start makes are then
   *     undone on failure, leaving the host as before the start
   */
  public StartState(VmRecord vm, BootImage image, boolean firstStart) {
    this(vm, image, firstStart, null);
  }

  /**
   * @param snapshot the snapshot a new VM starts from (its first start restores the saved state
   *     instead of booting), or null for a boot
   */
  public StartState(VmRecord vm, BootImage image, boolean firstStart, SnapshotRecord snapshot) {
    this.vm = Objects.requireNonNull(vm);
    this.image = Objects.requireNonNull(image);
    this.firstStart = firstStart;
    this.snapshot = snapshot;
  }

  /** The snapshot this start restores, if it restores one. */
  public java.util.Optional<SnapshotRecord> restoring() {
    return java.util.Optional.ofNullable(snapshot);
  }

  /** The snapshot this start restores. */
  public SnapshotRecord snapshot() {
    return require(snapshot, "snapshot to restore");
  }

  public VmRecord vm() {
    return vm;
  }

  public BootImage image() {
    return image;
  }

  public boolean firstStart() {
    return firstStart;
  }

  public Lease lease() {
    return require(lease, "lease");
  }

  void lease(Lease l) {
    lease = l;
  }

  public String overlayPath() {
    return require(overlayPath, "rootfs overlay");
  }

  void overlayPath(String p) {
    overlayPath = p;
  }

  public String workDiskPath() {
    return require(workDiskPath, "work disk");
  }

  void workDiskPath(String p) {
    workDiskPath = p;
  }

  public String tap() {
    return require(tap, "tap");
  }

  void tap(String t) {
    tap = t;
  }

  public LaunchSpec launch() {
    return require(launch, "launch spec");
  }

  void launch(LaunchSpec l) {
    launch = l;
  }

  public RunningVm vmm() {
    return require(vmm, "VMM");
  }

  /** The VMM, or empty before the launch step has one (its undo may run before that). */
  java.util.Optional<RunningVm> launched() {
    return java.util.Optional.ofNullable(vmm);
  }

  void vmm(RunningVm v) {
    vmm = v;
  }

  public Handles handles() {
    return require(handles, "handles");
  }

  void handles(Handles h) {
    handles = h;
  }

  private static <T> T require(T value, String what) {
    if (value == null) {
      throw new IllegalStateException(
          "the " + what + " is not made yet: a start step ran out of order");
    }
    return value;
  }
}
