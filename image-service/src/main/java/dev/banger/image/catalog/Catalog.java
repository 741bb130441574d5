package dev.banger.image.catalog;

import dev.banger.image.oci.Digest;
import dev.banger.image.oci.ImageReference;
import dev.banger.image.oci.RegistryException;
import dev.banger.image.oci.TransportPolicy;
import dev.banger.kit.config.CatalogEntryConfig;
import dev.banger.kit.config.CatalogRules;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.ConfigLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The images a bare name pulls (docs/catalog.md): the embedded {@code catalog.toml}, with {@code
 * [image.catalog.<name>]} from config.toml added on top (a configured entry replaces the embedded
 * one of the same name). Everything is checked when the service starts, so a bad entry stops it
 * with a sentence naming the key instead of failing the first pull.
 */
public final class Catalog {

  /** The image {@code image pull} builds when no name is given. */
  public static final String DEFAULT_IMAGE = "debian-bookworm";

  static final String RESOURCE = "/catalog.toml";

  private final Map<String, CatalogEntry> entries;

  private Catalog(Map<String, CatalogEntry> entries) {
    this.entries = entries;
  }

  /**
   * @param configured {@code image.catalog} from config.toml, or null
   * @param transport the pull's transport policy: a bundle URL it would refuse is refused now
   */
  public static Catalog load(Map<String, CatalogEntryConfig> configured, TransportPolicy transport)
      throws ConfigException {
    Map<String, CatalogEntryConfig> merged = new TreeMap<>(embedded());
    if (configured != null) {
      merged.putAll(configured);
    }
    Map<String, CatalogEntry> entries = new TreeMap<>();
    for (var e : merged.entrySet()) {
      String origin =
          configured != null && configured.containsKey(e.getKey())
              ? "config.toml"
              : "the embedded catalog";
      try {
        entries.put(e.getKey(), entry(e.getKey(), e.getValue(), transport));
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(origin + ": " + ex.getMessage(), ex);
      }
    }
    return new Catalog(java.util.Collections.unmodifiableMap(entries));
  }

  /** The entries shipped in the jar, parsed and checked exactly as config.toml is. */
  static Map<String, CatalogEntryConfig> embedded() throws ConfigException {
    String text;
    try (InputStream in = Catalog.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new ConfigException(
            "the embedded catalog " + RESOURCE + " is missing from the build");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(
          "cannot read the embedded catalog " + RESOURCE + ": " + e.getMessage(), e);
    }
    var catalog = ConfigLoader.parse(text, "embedded " + RESOURCE).imageOrDefaults().catalog();
    return catalog == null ? Map.of() : catalog;
  }

  /**
   * Turns a config entry (rules checked again: the map may not have come through ConfigLoader) into
   * an entry.
   */
  static CatalogEntry entry(String name, CatalogEntryConfig c, TransportPolicy transport) {
    CatalogRules.check(name, c);
    String key = "image.catalog." + name;
    if (c.oci() != null) {
      try {
        return new CatalogEntry.Oci(name, ImageReference.parse(c.oci()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(key + ".oci: " + e.getMessage(), e);
      }
    }
    if (c.debian() != null) {
      var d = c.debian();
      return new CatalogEntry.Debian(
          name,
          d.suite(),
          CatalogRules.httpUrl(
              key + ".debian.mirror",
              d.mirror() != null ? d.mirror() : CatalogRules.DEFAULT_MIRROR),
          d.variant() != null ? d.variant() : CatalogRules.DEFAULT_VARIANT,
          d.components() != null ? d.components() : List.of("main"),
          d.packages() != null ? d.packages() : List.of());
    }
    var url = CatalogRules.httpUrl(key + ".bundle.url", c.bundle().url());
    try {
      transport.check(url);
    } catch (RegistryException e) {
      throw new IllegalArgumentException(
          key
              + ".bundle.url: "
              + e.getMessage()
              + " (list the host in image.insecure_registries to allow it)",
          e);
    }
    return new CatalogEntry.Bundle(name, url, new Digest("sha256", c.bundle().sha256()));
  }

  public Optional<CatalogEntry> find(String name) {
    return Optional.ofNullable(entries.get(name));
  }

  /** Every entry name, sorted. */
  public List<String> names() {
    return List.copyOf(entries.keySet());
  }
}
