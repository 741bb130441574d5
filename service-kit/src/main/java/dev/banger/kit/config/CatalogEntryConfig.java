package dev.banger.kit.config;

import java.util.List;

/**
 * {@code [image.catalog.<name>]} in config.toml: one image the catalog can build, from exactly one
 * source (docs/catalog.md). An entry here replaces the embedded entry of the same name.
 *
 * @param oci an OCI reference, pulled as usual under the catalog name
 * @param debian an mmdebstrap recipe
 * @param bundle a pinned rootfs tarball
 */
public record CatalogEntryConfig(String oci, Debian debian, Bundle bundle) {

  /**
   * A Debian root filesystem built with mmdebstrap from a mirror.
   *
   * @param suite e.g. {@code bookworm}
   * @param mirror http(s) URL of the archive (default {@code http://deb.debian.org/debian})
   * @param variant mmdebstrap's package set (default {@code apt})
   * @param packages added with {@code --include}
   * @param components archive components (default {@code main})
   */
  public record Debian(
      String suite,
      String mirror,
      String variant,
      List<String> packages,
      List<String> components) {}

  /**
   * A rootfs tarball (plain, gzip, zstd or xz: the bytes say which) at a pinned address.
   *
   * @param url http(s) URL; plain http only to loopback and hosts in {@code
   *     image.insecure_registries}
   * @param sha256 the tarball's SHA-256 as it is downloaded, 64 lower-case hex digits
   */
  public record Bundle(String url, String sha256) {}
}
