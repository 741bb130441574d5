package dev.banger.vm.app.start;

import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.steps.StepContext;

/**
 * The per-boot files on the overlay (name, resolver, address, mounts, and for a kit image its own
 * command: {@link ImageCommandScript}). Nothing to undo: the overlay they are written on is the
 * overlay step's, and the next start rewrites them.
 */
public final class GuestConfigStep implements StartStep {

  public static final String NAME = "guest-config";
  private final DiskPort disk;

  public GuestConfigStep(DiskPort disk) {
    this.disk = disk;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(StartState s, StepContext ctx) {
    disk.writeOverlayConfig(
        s.overlayPath(),
        s.vm().name(),
        s.lease(),
        s.image().kit().map(ImageCommandScript::files).orElse(java.util.Map.of()));
  }
}
