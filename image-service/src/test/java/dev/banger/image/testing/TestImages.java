package dev.banger.image.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.image.oci.Digest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds and pushes config, manifest and index documents for {@link TestRegistry}. Kept apart so
 * the registry class is only about the process and the upload protocol.
 */
final class TestImages {

  static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
  static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
  static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A pushed manifest: what an index entry needs. */
  record Pushed(Digest digest, String mediaType, long size) {}

  private TestImages() {}

  static Pushed pushImage(
      TestRegistry reg,
      String repo,
      String tag,
      String platform,
      List<byte[]> layers,
      String layerMediaType) {
    return pushImage(reg, repo, tag, platform, layers, layerMediaType, null);
  }

  /**
   * @param givenDiffIds the config's diff_ids as given (a lie, for a test), or null for the true
   *     ones
   */
  static Pushed pushImage(
      TestRegistry reg,
      String repo,
      String tag,
      String platform,
      List<byte[]> layers,
      String layerMediaType,
      List<Digest> givenDiffIds) {
    return pushImage(reg, repo, tag, platform, layers, layerMediaType, givenDiffIds, null);
  }

  /**
   * @param runConfig the config's {@code config} object, or null for one with only a PATH
   */
  static Pushed pushImage(
      TestRegistry reg,
      String repo,
      String tag,
      String platform,
      List<byte[]> layers,
      String layerMediaType,
      List<Digest> givenDiffIds,
      Map<String, Object> runConfig) {
    boolean docker = layerMediaType.startsWith("application/vnd.docker.");
    String[] p = platform.split("/");
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("architecture", p[1]);
    config.put("os", p[0]);
    if (p.length > 2) {
      config.put("variant", p[2]);
    }
    config.put(
        "config",
        runConfig != null
            ? runConfig
            : Map.of(
                "Env",
                List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")));
    List<String> diffIds = new ArrayList<>();
    for (byte[] l : layers) {
      diffIds.add(Digest.sha256(TarLayers.decompress(l, compressionOf(layerMediaType))).toString());
    }
    if (givenDiffIds != null) {
      diffIds = givenDiffIds.stream().map(Digest::toString).toList();
    }
    config.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
    byte[] configBytes = json(config);
    Digest configDigest = reg.pushBlob(repo, configBytes);

    List<Map<String, Object>> layerDescriptors = new ArrayList<>();
    for (byte[] l : layers) {
      layerDescriptors.add(descriptor(layerMediaType, reg.pushBlob(repo, l), l.length));
    }
    String manifestType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("schemaVersion", 2);
    manifest.put("mediaType", manifestType);
    manifest.put(
        "config",
        descriptor(docker ? DOCKER_CONFIG : OCI_CONFIG, configDigest, configBytes.length));
    manifest.put("layers", layerDescriptors);
    byte[] manifestBytes = json(manifest);
    Digest d = Digest.sha256(manifestBytes);
    reg.pushManifest(repo, tag == null ? d.toString() : tag, manifestType, manifestBytes);
    return new Pushed(d, manifestType, manifestBytes.length);
  }

  static Digest pushIndex(
      TestRegistry reg,
      String repo,
      String tag,
      List<String> platforms,
      List<byte[]> layers,
      String layerMediaType) {
    boolean docker = layerMediaType.startsWith("application/vnd.docker.");
    List<Map<String, Object>> entries = new ArrayList<>();
    for (String platform : platforms) {
      Pushed m = pushImage(reg, repo, null, platform, layers, layerMediaType);
      Map<String, Object> e = descriptor(m.mediaType(), m.digest(), m.size());
      String[] p = platform.split("/");
      Map<String, Object> plat = new LinkedHashMap<>();
      plat.put("architecture", p[1]);
      plat.put("os", p[0]);
      if (p.length > 2) {
        plat.put("variant", p[2]);
      }
      e.put("platform", plat);
      entries.add(e);
    }
    String indexType = docker ? DOCKER_LIST : OCI_INDEX;
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("schemaVersion", 2);
    index.put("mediaType", indexType);
    index.put("manifests", entries);
    return reg.pushManifest(repo, tag, indexType, json(index));
  }

  private static TarLayers.Compression compressionOf(String mediaType) {
    if (mediaType.endsWith("gzip")) {
      return TarLayers.Compression.GZIP;
    }
    if (mediaType.endsWith("zstd")) {
      return TarLayers.Compression.ZSTD;
    }
    return TarLayers.Compression.NONE;
  }

  static Map<String, Object> descriptor(String mediaType, Digest d, long size) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mediaType", mediaType);
    m.put("digest", d.toString());
    m.put("size", size);
    return m;
  }

  static byte[] json(Object o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
