package dev.banger.vm.app.start;

import dev.banger.vm.ports.Lease;
import dev.banger.vm.ports.NetPort;
import dev.banger.vm.steps.StepContext;

/**
 * The bridge, the VM's address and its opt-in NAT. It comes before the overlay's guest config,
 * which carries the address. A lease the VM already held (a later start) is kept on failure.
 */
public final class LeaseStep implements StartStep {

  public static final String NAME = "ip-lease";
  private final NetPort net;

  public LeaseStep(NetPort net) {
    this.net = net;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(StartState s, StepContext ctx) {
    String id = s.vm().id();
    net.ensureBridge();
    Lease l = net.leaseIp(id, s.vm().name());
    if (l.created()) {
      ctx.onUndo("lease of " + l.ip(), () -> net.releaseIp(id));
    }
    s.lease(l);
    if (s.vm().nat()) {
      net.enableNat(id);
    }
  }
}
