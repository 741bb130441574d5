package dev.banger.vm.app.start;

import dev.banger.vm.ports.NetPort;
import dev.banger.vm.steps.StepContext;

/**
 * Gives the restored guest a network of its own (docs/snapshots.md): net-service moves its tap into
 * a namespace where the guest keeps the snapshot's address, reached at the VM's lease address.
 * Nothing to undo here: releasing the tap (the tap step's undo) removes the namespace.
 */
public final class CloneNetworkStep implements StartStep {

  public static final String NAME = "clone-network";
  private final NetPort net;

  public CloneNetworkStep(NetPort net) {
    this.net = net;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(StartState s, StepContext ctx) {
    // The source's address may have come free and been leased to this VM (its source deleted):
    // the guest then holds its own lease already, and stays on the bridge as a booted VM does.
    if (s.lease().ip().equals(s.snapshot().guestIp())) {
      return;
    }
    net.createCloneNetwork(s.vm().id(), s.snapshot().guestIp());
  }
}
