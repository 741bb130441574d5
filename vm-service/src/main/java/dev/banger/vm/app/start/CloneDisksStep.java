package dev.banger.vm.app.start;

import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.steps.StepContext;

/**
 * A new VM's disks as copies of its snapshot's (disk-service reflinks or copies them sparsely).
 * Nothing is written onto them: the restored guest's page cache holds them as they were at the
 * snapshot, and a write behind its back would corrupt its file systems. The copies are the VM's own
 * from then on; its first start removes them on failure.
 */
public final class CloneDisksStep implements StartStep {

  public static final String NAME = "clone-disks";

  /** The names disk-service gives a snapshot's copies in its directory. */
  static final String ROOTFS = "rootfs.ext4";

  static final String WORK = "work.ext4";

  private final DiskPort disk;

  public CloneDisksStep(DiskPort disk) {
    this.disk = disk;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(StartState s, StepContext ctx) {
    String id = s.vm().id();
    var dir = s.snapshot().directory();
    // Size 0: the copy's own size, which is the source overlay's.
    String overlay = disk.createOverlay(id, dir.resolve(ROOTFS).toString(), 0);
    if (s.firstStart()) {
      ctx.onUndo("rootfs copy " + overlay, () -> disk.removeOverlay(id));
    }
    s.overlayPath(overlay);
    String work =
        disk.createWorkDisk(id, dir.resolve(WORK).toString(), s.snapshot().workDiskBytes());
    if (s.firstStart()) {
      ctx.onUndo("work disk copy " + work, () -> disk.removeWorkDisk(id));
    }
    s.workDiskPath(work);
  }
}
