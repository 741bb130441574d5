package dev.banger.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an image config a pull uses: the platform it was built for, {@code rootfs.diff_ids},
 * the digests of the layers uncompressed (what image-service verifies each unpacked layer against),
 * and what the image says to run.
 *
 * @param os null when the config does not say
 * @param architecture null when the config does not say
 * @param variant null when none
 * @param run what the image says to run (docs/guest-kit.md)
 */
public record ImageConfig(
    String os, String architecture, String variant, List<Digest> diffIds, RunConfig run) {

  private static final ObjectMapper JSON = new ObjectMapper();

  public ImageConfig {
    diffIds = List.copyOf(diffIds);
  }

  /** {@code os/arch[/variant]}, with {@code ?} for parts the config leaves out. */
  public String platform() {
    String p = (os == null ? "?" : os) + "/" + (architecture == null ? "?" : architecture);
    return variant == null ? p : p + "/" + variant;
  }

  public static ImageConfig parse(byte[] json, String where) throws RegistryException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          where + " is not valid JSON: " + Texts.quote(RegistryHttp.describe(e)),
          e);
    }
    if (root == null || !root.isObject()) {
      throw new RegistryException(RegistryException.Kind.PROTOCOL, where + " is not a JSON object");
    }
    List<Digest> diffIds = new ArrayList<>();
    for (JsonNode d : root.path("rootfs").path("diff_ids")) {
      try {
        diffIds.add(Digest.parse(d.asText("")));
      } catch (IllegalArgumentException e) {
        throw new RegistryException(
            RegistryException.Kind.PROTOCOL, where + " has a bad diff_id: " + e.getMessage());
      }
    }
    return new ImageConfig(
        text(root, "os"),
        text(root, "architecture"),
        text(root, "variant"),
        diffIds,
        RunConfig.parse(root.path("config"), where));
  }

  private static String text(JsonNode root, String field) {
    String s = root.path(field).asText("");
    return s.isEmpty() ? null : s;
  }
}
