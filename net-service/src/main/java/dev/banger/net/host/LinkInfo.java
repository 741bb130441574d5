package dev.banger.net.host;

import java.util.List;

/**
 * One network interface as {@code ip -j -d link show} describes it, reduced to what net-service
 * decides on.
 *
 * @param name interface name
 * @param kind {@code linkinfo.info_kind}: "bridge", "tun", "veth"…; empty for plain devices
 * @param tunType for kind "tun": "tap" or "tun"; empty otherwise
 * @param ownerUid for tun devices with an owner: its uid; -1 when none or not a tun device, -2 when
 *     ip named a user banger could not map back to a uid
 * @param master the bridge it is attached to; empty when none
 * @param alias the link alias ({@code ifalias}); empty when none. banger marks its taps here
 * @param up administratively up (flag UP)
 * @param flags every flag as ip printed it
 * @param mac the link-layer address ({@code address}); empty when ip printed none
 */
public record LinkInfo(
    String name,
    String kind,
    String tunType,
    long ownerUid,
    String master,
    String alias,
    boolean up,
    List<String> flags,
    String mac) {

  public LinkInfo {
    flags = List.copyOf(flags);
  }

  public boolean isBridge() {
    return "bridge".equals(kind);
  }

  public boolean isTap() {
    return "tun".equals(kind) && "tap".equals(tunType);
  }
}
