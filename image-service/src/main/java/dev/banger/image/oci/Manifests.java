package dev.banger.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads manifest JSON: indexes (OCI index, Docker manifest list) and image manifests (OCI, Docker
 * schema 2). Only the fields a pull needs are read, and each is checked, since the document comes
 * from the registry: digests must parse, sizes must be non-negative, layer types must be ones we
 * can unpack.
 */
public final class Manifests {

  public static final String WANTED_PLATFORM = "linux/amd64";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A manifest as fetched: its bytes, its media type and the digest they hash to. */
  public record Fetched(byte[] bytes, String mediaType, Digest digest) {}

  /** An image manifest's content: the config blob and the layers, oldest first. */
  public record ImageManifest(Descriptor config, List<Descriptor> layers) {}

  private Manifests() {}

  /**
   * The media type of a fetched manifest: the Content-Type when it names a manifest type, else the
   * document's own {@code mediaType} field. The two must agree when both are given.
   */
  static String mediaType(String contentType, byte[] bytes, String where) throws RegistryException {
    String header = contentType == null ? "" : contentType.split(";", 2)[0].trim();
    JsonNode root = tree(bytes, where);
    String field = root.path("mediaType").asText("");
    boolean headerKnown =
        MediaTypes.isIndex(header)
            || MediaTypes.isImageManifest(header)
            || MediaTypes.isSchema1(header);
    if (headerKnown && !field.isEmpty() && !field.equals(header)) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          where
              + " was served as "
              + Texts.quote(header)
              + " but says it is "
              + Texts.quote(field));
    }
    if (headerKnown) {
      return header;
    }
    if (!field.isEmpty()) {
      return field;
    }
    if (root.path("schemaVersion").asInt(0) == 1) {
      return MediaTypes.DOCKER_SCHEMA1;
    }
    // An OCI manifest may omit mediaType; its shape tells.
    return root.has("manifests")
        ? MediaTypes.OCI_INDEX
        : root.has("layers") ? MediaTypes.OCI_MANIFEST : header;
  }

  /** The entries of an index, each with its platform as {@code os/arch[/variant]}. */
  public static List<Descriptor> indexEntries(byte[] bytes, String where) throws RegistryException {
    JsonNode manifests = tree(bytes, where).path("manifests");
    if (!manifests.isArray()) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL, where + " is an index without a manifests list");
    }
    List<Descriptor> out = new ArrayList<>();
    for (JsonNode m : manifests) {
      JsonNode p = m.path("platform");
      String platform = null;
      if (p.isObject()) {
        platform = p.path("os").asText("?") + "/" + p.path("architecture").asText("?");
        String variant = p.path("variant").asText("");
        if (!variant.isEmpty()) {
          platform += "/" + variant;
        }
      }
      Descriptor d = descriptor(m, where, "an index entry");
      out.add(new Descriptor(d.mediaType(), d.digest(), d.size(), platform));
    }
    return out;
  }

  /**
   * The {@code linux/amd64} entry of an index. An entry without a variant wins over one with (amd64
   * variants such as v3 are optimised builds of the same image).
   */
  public static Descriptor pickPlatform(List<Descriptor> entries, String where)
      throws RegistryException {
    Descriptor withVariant = null;
    for (Descriptor d : entries) {
      if (d.platform() == null) {
        continue;
      }
      if (d.platform().equals(WANTED_PLATFORM)) {
        return d;
      }
      if (withVariant == null && d.platform().startsWith(WANTED_PLATFORM + "/")) {
        withVariant = d;
      }
    }
    if (withVariant != null) {
      return withVariant;
    }
    List<String> available =
        entries.stream()
            .map(Descriptor::platform)
            .filter(p -> p != null && !p.equals("unknown/unknown"))
            .distinct()
            .map(Texts::quote)
            .toList();
    throw new RegistryException(
        RegistryException.Kind.UNSUPPORTED,
        where
            + " has no "
            + WANTED_PLATFORM
            + " image; it offers "
            + (available.isEmpty() ? "no platforms at all" : String.join(", ", available)));
  }

  /** The config and layers of an image manifest, refusing layer types we cannot unpack. */
  public static ImageManifest image(byte[] bytes, String where) throws RegistryException {
    JsonNode root = tree(bytes, where);
    if (root.path("schemaVersion").asInt(0) != 2) {
      throw new RegistryException(
          RegistryException.Kind.UNSUPPORTED,
          where + " is not a schema version 2 manifest (schema 1 images are not supported)");
    }
    Descriptor config = descriptor(root.path("config"), where, "the config");
    if (!MediaTypes.isImageConfig(config.mediaType())) {
      throw new RegistryException(
          RegistryException.Kind.UNSUPPORTED,
          where
              + " is not a container image: its config"
              + " type is "
              + Texts.quote(config.mediaType()));
    }
    JsonNode layers = root.path("layers");
    if (!layers.isArray()) {
      throw new RegistryException(RegistryException.Kind.PROTOCOL, where + " has no layers list");
    }
    List<Descriptor> out = new ArrayList<>();
    for (JsonNode l : layers) {
      Descriptor d = descriptor(l, where, "layer " + (out.size() + 1));
      if (MediaTypes.isForeignLayer(d.mediaType())) {
        throw new RegistryException(
            RegistryException.Kind.UNSUPPORTED,
            where
                + " has a non-distributable (foreign) layer "
                + d.digest()
                + " whose bytes live outside the registry; such images (Windows bases) are not supported");
      }
      if (d.compression() == null) {
        throw new RegistryException(
            RegistryException.Kind.UNSUPPORTED,
            where
                + " has layer "
                + d.digest()
                + " of unsupported type "
                + Texts.quote(d.mediaType())
                + " (tar, tar+gzip or tar+zstd only)");
      }
      out.add(d);
    }
    return new ImageManifest(config, out);
  }

  private static Descriptor descriptor(JsonNode n, String where, String which)
      throws RegistryException {
    if (!n.isObject()) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL, where + " has no descriptor for " + which);
    }
    String mediaType = n.path("mediaType").asText("");
    JsonNode size = n.path("size");
    if (mediaType.isEmpty()
        || !size.canConvertToLong()
        || size.asLong() < 0
        || !size.isIntegralNumber()) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          where
              + " has a malformed descriptor for "
              + which
              + " (mediaType and a non-negative size are required)");
    }
    try {
      return new Descriptor(mediaType, Digest.parse(n.path("digest").asText("")), size.asLong());
    } catch (IllegalArgumentException e) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          where + " has a bad digest for " + which + ": " + e.getMessage());
    }
  }

  private static JsonNode tree(byte[] bytes, String where) throws RegistryException {
    try {
      JsonNode root = JSON.readTree(bytes);
      if (root == null || !root.isObject()) {
        throw new RegistryException(
            RegistryException.Kind.PROTOCOL, where + " is not a JSON object");
      }
      return root;
    } catch (IOException e) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          where + " is not valid JSON: " + Texts.quote(RegistryHttp.describe(e)),
          e);
    }
  }
}
