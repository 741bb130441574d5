package dev.banger.image.app;

import dev.banger.image.catalog.Catalog;
import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.oci.BlobCache;
import dev.banger.image.oci.ImageReference;
import dev.banger.image.oci.LayerFetcher;
import dev.banger.image.oci.RegistryClient;
import dev.banger.image.source.BootstrapModes;
import dev.banger.image.source.BundleSource;
import dev.banger.image.source.DebianSource;
import dev.banger.image.source.OciSource;
import dev.banger.image.source.RootfsSource;
import dev.banger.kit.process.CommandRunner;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns a PullImage reference into a {@link RootfsSource}. A bare name (no {@code /}, no tag, no
 * digest) is a catalog name; anything else is an OCI reference (docs/catalog.md).
 */
public final class PullSources {

  /** The longest an mmdebstrap build may run; the default image takes under a minute here. */
  public static final Duration BOOTSTRAP_TIMEOUT = Duration.ofHours(1);

  /**
   * What a reference resolved to: its source (holding nothing yet) and the name an image gets by
   * default.
   */
  public record Opened(RootfsSource source, String defaultName) {}

  private final java.util.function.Supplier<Catalog> catalogs;
  private final Function<String, RegistryClient> clients;
  private final LayerFetcher fetcher;
  private final BlobCache cache;
  private final CommandRunner commands;
  private final BootstrapModes modes;
  private final long maxBundleBytes;

  /**
   * @param clients a registry client per pull, given the request's credentials ("" for none)
   * @param maxBundleBytes the largest bundle downloaded (image.max_total_bytes)
   */
  public PullSources(
      java.util.function.Supplier<Catalog> catalogs,
      Function<String, RegistryClient> clients,
      LayerFetcher fetcher,
      BlobCache cache,
      CommandRunner commands,
      BootstrapModes modes,
      long maxBundleBytes) {
    this.catalogs = catalogs;
    this.clients = clients;
    this.fetcher = fetcher;
    this.cache = cache;
    this.commands = commands;
    this.modes = modes;
    this.maxBundleBytes = maxBundleBytes;
  }

  /**
   * @throws ImageProblem INVALID_ARGUMENT for a malformed reference, NOT_FOUND for a bare name the
   *     catalog does not have
   */
  Opened open(String reference, String credentials) {
    return open(reference, credentials, List.of());
  }

  /**
   * @param packages more Debian packages for a Debian recipe (checked names), or none
   * @throws ImageProblem INVALID_ARGUMENT for packages with anything but a Debian recipe
   */
  Opened open(String reference, String credentials, List<String> packages) {
    if (ImageNames.isCatalogName(reference)) {
      // One snapshot for the whole call: each get() reads the config file again.
      Catalog catalog = catalogs.get();
      CatalogEntry found =
          catalog.find(reference).orElseThrow(() -> notInCatalog(catalog, reference));
      CatalogEntry entry = found;
      if (!packages.isEmpty()) {
        if (!(found instanceof CatalogEntry.Debian d)) {
          throw ImageProblem.invalid(
              "packages",
              "packages are added to a Debian catalog recipe; "
                  + reference
                  + " is a "
                  + (found instanceof CatalogEntry.Bundle ? "pinned bundle" : "registry image"));
        }
        entry = d.with(packages);
      }
      RootfsSource source =
          switch (entry) {
            case CatalogEntry.Oci o ->
                new OciSource(o.ref(), () -> clients.apply(credentials), fetcher);
            case CatalogEntry.Debian d -> new DebianSource(d, commands, modes, BOOTSTRAP_TIMEOUT);
            case CatalogEntry.Bundle b ->
                new BundleSource(b, () -> clients.apply(""), cache, maxBundleBytes);
          };
      return new Opened(source, found.name());
    }
    if (!packages.isEmpty()) {
      throw ImageProblem.invalid(
          "packages",
          "packages are added to a Debian catalog recipe (such as debian-bookworm); "
              + reference
              + " is a registry image");
    }
    ImageReference ref = ImageNames.reference(reference);
    return new Opened(
        new OciSource(ref, () -> clients.apply(credentials), fetcher), ImageNames.derivedName(ref));
  }

  private static ImageProblem notInCatalog(Catalog catalog, String name) {
    return new ImageProblem(
        ImageProblem.Kind.NOT_FOUND,
        "CATALOG_ENTRY_NOT_FOUND",
        "the catalog has no image \""
            + name
            + "\" (it has: "
            + String.join(", ", catalog.names())
            + "). For an OCI image give a tag or a registry, e.g. "
            + name
            + ":latest or docker.io/library/"
            + name,
        Map.of("name", name));
  }
}
