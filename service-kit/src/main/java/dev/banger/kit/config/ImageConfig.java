package dev.banger.kit.config;

import java.util.List;
import java.util.Map;

/**
 * {@code [image]} in config.toml: image-service's pull settings. Every field is optional.
 *
 * @param insecureRegistries registries (host or host:port) reached over plain http; loopback
 *     registries always are
 * @param dockerConfig path of the docker {@code config.json} holding registry credentials (default
 *     {@code $DOCKER_CONFIG/config.json} or {@code ~/.docker/config.json})
 * @param minRootfsBytes smallest rootfs a pull builds (default 1 GiB)
 * @param maxEntryBytes largest single file a layer may hold (default 8 GiB)
 * @param maxTotalBytes all files of an image together (default 64 GiB)
 * @param maxEntries tar entries of an image together (default 2,000,000)
 * @param parallelDownloads layers fetched at once (default 3)
 * @param reserveBytes what a pull leaves free on the filesystems it writes to (staging tree, blob
 *     cache); default 5 % of each, at most 2 GiB
 * @param catalog {@code [image.catalog.<name>]}: catalog entries added to the embedded ones, or
 *     replacing those of the same name (docs/catalog.md)
 */
public record ImageConfig(
    List<String> insecureRegistries,
    String dockerConfig,
    Long minRootfsBytes,
    Long maxEntryBytes,
    Long maxTotalBytes,
    Long maxEntries,
    Integer parallelDownloads,
    Map<String, CatalogEntryConfig> catalog,
    Long reserveBytes) {

  public static ImageConfig empty() {
    return new ImageConfig(null, null, null, null, null, null, null, null, null);
  }
}
