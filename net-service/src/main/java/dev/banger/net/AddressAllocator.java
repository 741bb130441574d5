package dev.banger.net;

import dev.banger.kit.net.Ipv4Cidr;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Picks the address for a new lease. Pure: the caller supplies what is leased and released.
 *
 * <ol>
 *   <li>The lowest host address of the bridge's network that is not the network, broadcast or
 *       bridge (gateway) address, not leased, and not released within the quarantine.
 *   <li>When every address is leased or fresh in quarantine: the one released longest ago. A full
 *       network beats a refused VM; the quarantine only guards against quick reuse.
 *   <li>Otherwise the network is full.
 * </ol>
 */
final class AddressAllocator {

  private AddressAllocator() {}

  static OptionalInt pick(
      Ipv4Cidr bridge,
      Set<Integer> leased,
      Map<Integer, Long> releasedAtMs,
      long nowMs,
      long quarantineMs) {
    long first = Integer.toUnsignedLong(bridge.network()) + 1;
    long last = Integer.toUnsignedLong(bridge.broadcast()) - 1;
    for (long a = first; a <= last; a++) {
      int addr = (int) a;
      if (addr == bridge.address() || leased.contains(addr)) {
        continue;
      }
      Long released = releasedAtMs.get(addr);
      if (released == null || nowMs - released >= quarantineMs) {
        return OptionalInt.of(addr);
      }
    }
    Integer oldest = null;
    long oldestAt = Long.MAX_VALUE;
    for (var e : releasedAtMs.entrySet()) {
      int addr = e.getKey();
      if (!bridge.contains(addr)
          || addr == bridge.address()
          || addr == bridge.network()
          || addr == bridge.broadcast()
          || leased.contains(addr)) {
        continue;
      }
      if (e.getValue() < oldestAt
          || (e.getValue() == oldestAt && Integer.compareUnsigned(addr, oldest) < 0)) {
        oldest = addr;
        oldestAt = e.getValue();
      }
    }
    return oldest == null ? OptionalInt.empty() : OptionalInt.of(oldest);
  }
}
