package dev.banger.vm.app.start;

import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.steps.StepContext;

/**
 * The VM's copy of its image's rootfs. It outlives a stop (it holds the guest's host keys, which
 * banger has pinned), so only the first start removes it on failure.
 */
public final class OverlayStep implements StartStep {

  public static final String NAME = "rootfs-overlay";
  private final DiskPort disk;

  public OverlayStep(DiskPort disk) {
    this.disk = disk;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(StartState s, StepContext ctx) {
    String id = s.vm().id();
    long size = Math.max(s.vm().systemOverlayBytes(), s.image().rootfsSizeBytes());
    String path = disk.createOverlay(id, s.image().rootfsPath(), size);
    if (s.firstStart()) {
      ctx.onUndo("rootfs overlay " + path, () -> disk.removeOverlay(id));
    }
    s.overlayPath(path);
  }
}
