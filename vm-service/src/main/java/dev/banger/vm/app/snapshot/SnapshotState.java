package dev.banger.vm.app.snapshot;

import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.ports.SnapshotDiskPort;
import dev.banger.vm.store.SnapshotRecord;
import dev.banger.vm.store.VmRecord;

/** What the steps of one snapshot share: given at the start, then filled in step by step. */
public final class SnapshotState {

  private final String id;
  private final String name;
  private final VmRecord vm;
  private final RunningVm vmm;
  private final dev.banger.vm.runtime.Handles.Guest guest;
  private boolean pausedHere;
  private SnapshotDiskPort.Copies copies;
  private long stateBytes;
  private SnapshotRecord record;

  /**
   * @param guest the address and MAC inside the guest, which its clones will wake with: the VM's
   *     own, or a snapshot's when the VM runs restored from one
   */
  SnapshotState(
      String id,
      String name,
      VmRecord vm,
      RunningVm vmm,
      dev.banger.vm.runtime.Handles.Guest guest) {
    this.id = id;
    this.name = name;
    this.vm = vm;
    this.vmm = vmm;
    this.guest = guest;
  }

  public dev.banger.vm.runtime.Handles.Guest guest() {
    return guest;
  }

  public String id() {
    return id;
  }

  public String name() {
    return name;
  }

  /** The source VM as it was when the snapshot began. */
  public VmRecord vm() {
    return vm;
  }

  public RunningVm vmm() {
    return vmm;
  }

  /** Whether this snapshot paused the VM (and so resumes it); false when it was paused already. */
  public boolean pausedHere() {
    return pausedHere;
  }

  void pausedHere(boolean v) {
    pausedHere = v;
  }

  public SnapshotDiskPort.Copies copies() {
    return copies;
  }

  void copies(SnapshotDiskPort.Copies c) {
    copies = c;
  }

  public long stateBytes() {
    return stateBytes;
  }

  void stateBytes(long n) {
    stateBytes = n;
  }

  public SnapshotRecord record() {
    return record;
  }

  void record(SnapshotRecord r) {
    record = r;
  }
}
