package dev.banger.vm.app.start;

import dev.banger.vm.ports.NetPort;
import dev.banger.vm.steps.StepContext;

/** The VM's tap for this boot; per boot, so always given back on failure. */
public final class TapStep implements StartStep {

  public static final String NAME = "tap";
  private final NetPort net;

  public TapStep(NetPort net) {
    this.net = net;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(StartState s, StepContext ctx) {
    String id = s.vm().id();
    String tap = net.acquireTap(id);
    ctx.onUndo("tap " + tap, () -> net.releaseTap(id));
    s.tap(tap);
  }
}
