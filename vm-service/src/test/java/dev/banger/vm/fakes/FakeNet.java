package dev.banger.vm.fakes;

import dev.banger.vm.ports.Lease;
import dev.banger.vm.ports.NetPort;

/** net-service as a set of leases and taps; every call idempotent, as the real one. */
public final class FakeNet implements NetPort {

  private final FakeHost host;

  public FakeNet(FakeHost host) {
    this.host = host;
  }

  @Override
  public void ensureBridge() {
    host.call("ensureBridge");
  }

  @Override
  public Lease leaseIp(String vmId, String vmName) {
    host.call("leaseIp");
    boolean created = host.leases.add(vmId);
    // One address per VM, the first .9, as net-service hands them out.
    int n = 9 + numbers.computeIfAbsent(vmId, k -> numbers.size());
    String forced = nextIp;
    if (forced != null && created) {
      nextIp = null;
      return new Lease(forced, 24, "172.16.0.1", "172.16.0.1", "02:00:00:00:00:fe", true);
    }
    return new Lease(
        "172.16.0." + n,
        24,
        "172.16.0.1",
        "172.16.0.1",
        String.format("02:00:00:00:00:%02x", n),
        created);
  }

  /** The address the next new lease gets (an address come free again), once. */
  public volatile String nextIp;

  private final java.util.Map<String, Integer> numbers =
      new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public void releaseIp(String vmId) {
    host.call("releaseIp");
    host.leases.remove(vmId);
  }

  @Override
  public void enableNat(String vmId) {
    host.call("enableNat");
  }

  @Override
  public String acquireTap(String vmId) {
    host.call("acquireTap");
    host.taps.add(vmId);
    return "tb-" + vmId.substring(0, 8);
  }

  @Override
  public void releaseTap(String vmId) {
    host.call("releaseTap");
    host.taps.remove(vmId);
    cloneNetworks.remove(vmId);
  }

  /** VMs whose tap is in a clone namespace, with the guest address it was built for. */
  public final java.util.Map<String, String> cloneNetworks =
      new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public void createCloneNetwork(String vmId, String guestIp) {
    host.call("createCloneNetwork");
    if (!host.taps.contains(vmId)) {
      throw new IllegalStateException("VM " + vmId + " has no tap (TAP_REQUIRED)");
    }
    cloneNetworks.put(vmId, guestIp);
  }
}
