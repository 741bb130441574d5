package dev.banger.image.catalog;

import dev.banger.image.oci.TransportPolicy;
import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.config.LiveConfig;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The catalog as the config file says now (docs/catalog.md): entries added, changed or removed in
 * the file count from the next pull, without restarting image-service. Built again only when the
 * config changed; a catalog that does not load leaves the last good one, with a warning.
 */
public final class LiveCatalog implements Supplier<Catalog> {

  private static final Logger LOG = LoggerFactory.getLogger(LiveCatalog.class);

  private final LiveConfig config;
  private final TransportPolicy transport;
  private BangerConfig lastConfig;
  private Catalog last;

  public LiveCatalog(
      LiveConfig config, TransportPolicy transport, BangerConfig initial, Catalog loaded) {
    this.config = config;
    this.transport = transport;
    this.lastConfig = initial;
    this.last = loaded;
  }

  @Override
  public synchronized Catalog get() {
    BangerConfig now = config.current();
    if (now != lastConfig) {
      lastConfig = now;
      try {
        last = Catalog.load(now.imageOrDefaults().catalog(), transport);
        LOG.info("image catalog now: {}", String.join(", ", last.names()));
      } catch (dev.banger.kit.config.ConfigException | RuntimeException e) {
        LOG.warn("the changed catalog does not load ({}); the last good one stays", e.getMessage());
      }
    }
    return last;
  }
}
