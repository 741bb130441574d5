package dev.banger.image.oci;

import java.util.List;

/**
 * The media types this client speaks, and what each layer type means for decompression. Everything
 * not listed here is refused by name rather than guessed at.
 */
public final class MediaTypes {

  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_SCHEMA1 =
      "application/vnd.docker.distribution.manifest.v1+json";
  public static final String DOCKER_SCHEMA1_SIGNED =
      "application/vnd.docker.distribution.manifest.v1+prettyjws";

  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

  public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
  public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
  public static final String DOCKER_LAYER_GZIP =
      "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_LAYER_FOREIGN =
      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
  public static final String OCI_LAYER_NONDISTRIBUTABLE_PREFIX =
      "application/vnd.oci.image.layer.nondistributable.v1.tar";

  /**
   * Every manifest type we can read, always sent together: docker-registry answers an OCI manifest
   * only if the OCI type is listed, and down-converts Docker v2 manifests to schema 1 when the
   * Docker type is missing (docs/architecture.md §8).
   */
  public static final List<String> MANIFEST_ACCEPT =
      List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST);

  /** How a layer blob is compressed. */
  public enum Compression {
    NONE,
    GZIP,
    ZSTD
  }

  private MediaTypes() {}

  public static boolean isIndex(String mediaType) {
    return OCI_INDEX.equals(mediaType) || DOCKER_LIST.equals(mediaType);
  }

  public static boolean isImageManifest(String mediaType) {
    return OCI_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
  }

  public static boolean isSchema1(String mediaType) {
    return DOCKER_SCHEMA1.equals(mediaType) || DOCKER_SCHEMA1_SIGNED.equals(mediaType);
  }

  public static boolean isImageConfig(String mediaType) {
    return OCI_CONFIG.equals(mediaType) || DOCKER_CONFIG.equals(mediaType);
  }

  /** Layers whose bytes live outside the registry (Windows base layers): never fetchable here. */
  public static boolean isForeignLayer(String mediaType) {
    return DOCKER_LAYER_FOREIGN.equals(mediaType)
        || mediaType != null && mediaType.startsWith(OCI_LAYER_NONDISTRIBUTABLE_PREFIX);
  }

  /** The compression of a supported layer type, or null for anything else. */
  public static Compression layerCompression(String mediaType) {
    if (mediaType == null) {
      return null;
    }
    return switch (mediaType) {
      case OCI_LAYER_TAR -> Compression.NONE;
      case OCI_LAYER_GZIP, DOCKER_LAYER_GZIP -> Compression.GZIP;
      case OCI_LAYER_ZSTD -> Compression.ZSTD;
      default -> null;
    };
  }
}
