package dev.banger.image.catalog;

import dev.banger.image.oci.Digest;
import dev.banger.image.oci.ImageReference;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;

/** One checked catalog entry (docs/catalog.md): a name and where its root filesystem comes from. */
public sealed interface CatalogEntry {

  String name();

  /** What {@code images.origin} records for an image built from this entry. */
  String origin();

  /** An OCI image pulled under the catalog name; its origin is the reference, as for any pull. */
  record Oci(String name, ImageReference ref) implements CatalogEntry {
    @Override
    public String origin() {
      return ref.canonical();
    }
  }

  /**
   * A root filesystem built by mmdebstrap. {@link #digest()} identifies the recipe, not the bytes:
   * the same recipe built twice gets whatever the mirror holds that day.
   */
  record Debian(
      String name,
      String suite,
      URI mirror,
      String variant,
      List<String> components,
      List<String> packages)
      implements CatalogEntry {

    public Debian {
      components = List.copyOf(components);
      packages = List.copyOf(packages);
    }

    /**
     * SHA-256 of the recipe in a canonical form (packages sorted): the image's digest, and part of
     * its origin, so a changed recipe is a different image.
     */
    public Digest digest() {
      String canonical =
          "mmdebstrap-recipe-v1\nsuite="
              + suite
              + "\nmirror="
              + mirror
              + "\nvariant="
              + variant
              + "\ncomponents="
              + String.join(",", components)
              + "\npackages="
              + String.join(",", new TreeSet<>(packages))
              + "\n";
      return Digest.sha256(canonical.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String origin() {
      return "catalog:" + name + "@" + digest();
    }

    /**
     * This recipe with more packages (an ad hoc recipe, {@code image pull --packages}): named
     * {@code <entry>+<pkg>,<pkg>} so its origin, and {@code image show}, say what was added. The
     * digest covers the whole package list, so it is an image of its own.
     */
    public Debian with(List<String> extra) {
      List<String> added = extra.stream().distinct().filter(p -> !packages.contains(p)).toList();
      if (added.isEmpty()) {
        return this;
      }
      List<String> all = new java.util.ArrayList<>(packages);
      all.addAll(added);
      return new Debian(
          name + "+" + String.join(",", added), suite, mirror, variant, components, all);
    }

    /**
     * For progress and logs: {@code bookworm (apt + 14 packages) from
     * http://deb.debian.org/debian}.
     */
    public String describe() {
      return suite
          + " ("
          + variant
          + " + "
          + packages.size()
          + " package"
          + (packages.size() == 1 ? "" : "s")
          + ", "
          + String.join(",", components)
          + ") from "
          + mirror;
    }
  }

  /** A rootfs tarball pinned by URL and SHA-256. */
  record Bundle(String name, URI url, Digest sha256) implements CatalogEntry {
    @Override
    public String origin() {
      return "catalog:" + name + "@" + sha256;
    }
  }
}
