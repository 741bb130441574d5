package dev.banger.net;

/**
 * A VM's tap as banger holds it (a runtime fact: rebuilt from the host's link marks at start-up).
 *
 * @param fromPool whether the call that produced it took a warm tap
 */
record TapRecord(String name, String vmId, long ownerUid, String bridge, boolean fromPool) {

  dev.banger.api.net.v1.Tap toProto() {
    return dev.banger.api.net.v1.Tap.newBuilder()
        .setName(name)
        .setVmId(vmId)
        .setOwnerUid((int) ownerUid)
        .setBridge(bridge)
        .setFromPool(fromPool)
        .build();
  }

  TapRecord asRepeat() {
    return new TapRecord(name, vmId, ownerUid, bridge, false);
  }
}
