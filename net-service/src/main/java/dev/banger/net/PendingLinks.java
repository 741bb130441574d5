package dev.banger.net;

import dev.banger.kit.process.CommandFailedException;
import dev.banger.net.host.Ip;
import dev.banger.net.host.LinkInfo;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A write-ahead record of taps being made. A tap is created and marked (its alias) by two netlink
 * requests; a net-service killed between them leaves a tap with no mark, which reconcile must not
 * touch as a stranger's link. So the name is recorded in {@code host_settings} before the tap is
 * made and forgotten once it is marked (or given back), and start-up deletes any recorded name that
 * is still an unmarked tap.
 */
final class PendingLinks {

  private static final Logger LOG = LoggerFactory.getLogger(PendingLinks.class);
  static final String PREFIX = "pending_link:";

  private final HostSettings settings;

  PendingLinks(HostSettings settings) {
    this.settings = settings;
  }

  /** Called before the request that creates {@code name}. */
  void begin(String name) {
    try {
      settings.put(PREFIX + name, "1");
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot record tap " + name + " as being made: " + e.getMessage(), e);
    }
  }

  /** Called once {@code name} is marked, or gone. */
  void end(String name) {
    try {
      settings.remove(PREFIX + name);
    } catch (SQLException e) {
      LOG.warn(
          "tap {} made, but its pending record stays ({}); the next start checks it",
          name,
          e.getMessage());
    }
  }

  /**
   * At start-up, before anything else touches taps: each recorded name that is a tap with no alias
   * was left half-made by a crash, and goes. A marked tap is left to reconcile.
   *
   * @return how many half-made taps were deleted
   */
  int clearLeftovers(Ip ip) throws SQLException, CommandFailedException, IOException {
    int deleted = 0;
    List<String> names =
        settings.keysWithPrefix(PREFIX).stream().map(k -> k.substring(PREFIX.length())).toList();
    for (String name : names) {
      Optional<LinkInfo> l = ip.link(name);
      if (l.isPresent() && l.get().isTap() && l.get().alias().isEmpty()) {
        ip.deleteLink(name);
        deleted++;
        LOG.info("deleted tap {}: made by a net-service that died before marking it", name);
      }
      settings.remove(PREFIX + name);
    }
    return deleted;
  }
}
