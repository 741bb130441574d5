package dev.banger.image.oci;

import java.util.Objects;

/**
 * An OCI content descriptor: what a blob or manifest is, its digest and its exact size. The size is
 * part of the check: a download stops at {@code size} bytes, so a hostile registry cannot stream
 * forever.
 *
 * @param platform {@code os/arch[/variant]} for index entries, null elsewhere
 */
public record Descriptor(String mediaType, Digest digest, long size, String platform) {

  public Descriptor {
    Objects.requireNonNull(mediaType, "mediaType");
    Objects.requireNonNull(digest, "digest");
    if (size < 0) {
      throw new IllegalArgumentException("descriptor size must not be negative, got " + size);
    }
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, null);
  }

  /** Compression of a layer blob; null when this is not a supported layer type. */
  public MediaTypes.Compression compression() {
    return MediaTypes.layerCompression(mediaType);
  }
}
