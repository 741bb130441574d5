package dev.banger.image.oci;

import java.util.List;
import java.util.Objects;

/**
 * An image reference resolved to one linux/amd64 image manifest: its config and layers, oldest
 * layer first (the order to apply them in).
 *
 * @param manifestDigest digest of the platform's image manifest
 * @param platform {@code linux/amd64}, or as the config/index said
 * @param indexDigest digest of the index the reference named, or null when it named the manifest
 * @param diffIds the config's {@code rootfs.diff_ids}: each layer's digest uncompressed, in layer
 *     order (empty only if the config has none)
 * @param run the config's Entrypoint, Cmd, Env, WorkingDir and User
 */
public record ResolvedImage(
    ImageReference ref,
    Digest manifestDigest,
    Descriptor config,
    List<Descriptor> layers,
    String platform,
    Digest indexDigest,
    List<Digest> diffIds,
    RunConfig run) {

  public ResolvedImage {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(manifestDigest, "manifestDigest");
    Objects.requireNonNull(config, "config");
    layers = List.copyOf(layers);
    diffIds = List.copyOf(diffIds);
  }

  /** What the reference itself resolved to: the index when there was one, else the manifest. */
  public Digest referenceDigest() {
    return indexDigest != null ? indexDigest : manifestDigest;
  }

  /** Sum of the compressed layer sizes: what a pull downloads at most. */
  public long downloadSize() {
    return layers.stream().mapToLong(Descriptor::size).sum();
  }
}
