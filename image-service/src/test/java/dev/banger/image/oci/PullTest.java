package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.testing.LoopbackOnly;
import dev.banger.image.testing.TarLayers;
import dev.banger.image.testing.TarLayers.Compression;
import dev.banger.image.testing.TestRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Pulls from a real docker-registry on loopback: manifests, indexes, layer types, refusals. */
class PullTest {

  @TempDir static Path dir;
  static TestRegistry reg;
  static final LoopbackOnly NET = new LoopbackOnly();
  static RegistryClient client;

  @BeforeAll
  static void start() {
    reg = TestRegistry.start(dir.resolve("registry"));
    client = RegistryClient.builder().proxySelector(NET).build();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (reg != null) {
      reg.close();
    }
    assertEquals(List.of(), NET.outsideAttempts(), "nothing but loopback was contacted");
  }

  static byte[] layer(String name, Compression c) {
    return TarLayers.layer().dir("etc", 0755).file("etc/" + name, name + "\n", 0644, 0, 0).build(c);
  }

  ImageReference ref(String repoAndTag) {
    return ImageReference.parse(reg.host() + "/" + repoAndTag);
  }

  @Test
  void singleLayerImageResolvesAndItsLayerFetchesByteForByte() throws Exception {
    byte[] l = layer("hostname", Compression.GZIP);
    Digest manifest = reg.pushImage("single/gzip", "v1", List.of(l), Compression.GZIP.mediaType());
    ResolvedImage img = client.resolve(ref("single/gzip:v1"));
    assertEquals(manifest, img.manifestDigest());
    assertNull(img.indexDigest());
    assertEquals(manifest, img.referenceDigest());
    assertEquals("linux/amd64", img.platform());
    assertEquals(MediaTypes.OCI_CONFIG, img.config().mediaType());
    assertEquals(
        List.of(new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(l), l.length)),
        img.layers());
    assertEquals(List.of(Digest.sha256(TarLayers.decompress(l, Compression.GZIP))), img.diffIds());

    LayerFetcher.FetchedImage f =
        new LayerFetcher(new BlobCache(dir.resolve("cache-single")))
            .fetch(img, client.blobs(img.ref()), LayerFetcher.Listener.NONE);
    assertArrayEquals(l, Files.readAllBytes(f.layers().getFirst()));
    assertTrue(Files.readString(f.config()).contains("\"diff_ids\""));
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void multiLayerImagesKeepLayerOrderForEveryCompression(Compression c) throws Exception {
    List<byte[]> layers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      layers.add(layer("f" + i, c));
    }
    String repo = "multi/" + c.name().toLowerCase();
    reg.pushImage(repo, "latest", layers, c.mediaType());
    ResolvedImage img = client.resolve(ref(repo));
    assertEquals(
        layers.stream().map(Digest::sha256).toList(),
        img.layers().stream().map(Descriptor::digest).toList());
    assertEquals(c.name(), img.layers().getFirst().compression().name());
    LayerFetcher.FetchedImage f =
        new LayerFetcher(new BlobCache(dir.resolve("cache-" + repo)))
            .fetch(img, client.blobs(img.ref()), LayerFetcher.Listener.NONE);
    for (int i = 0; i < layers.size(); i++) {
      assertArrayEquals(layers.get(i), Files.readAllBytes(f.layers().get(i)));
    }
  }

  @Test
  void dockerSchema2ImagesAreServedAsSuchBecauseEveryTypeIsAccepted() throws Exception {
    // Without the Docker type in Accept, docker-registry would down-convert this to schema 1.
    byte[] l = layer("docker", Compression.GZIP);
    reg.pushImage("docker/v2", "t", List.of(l), MediaTypes.DOCKER_LAYER_GZIP);
    Manifests.Fetched m = client.fetchManifest(ref("docker/v2:t"));
    assertEquals(MediaTypes.DOCKER_MANIFEST, m.mediaType());
    ResolvedImage img = client.resolve(ref("docker/v2:t"));
    assertEquals(MediaTypes.DOCKER_CONFIG, img.config().mediaType());
    assertEquals(MediaTypes.DOCKER_LAYER_GZIP, img.layers().getFirst().mediaType());
  }

  @Test
  void pullByDigestVerifiesTheManifest() throws Exception {
    Digest d =
        reg.pushImage(
            "pinned/img", "t", List.of(layer("p", Compression.NONE)), Compression.NONE.mediaType());
    assertEquals(d, client.resolve(ref("pinned/img@" + d)).manifestDigest());
    assertEquals(d, client.resolve(ref("pinned/img:t@" + d)).manifestDigest());
    Digest other = Digest.sha256("nothing".getBytes(StandardCharsets.UTF_8));
    RegistryException e =
        assertThrows(RegistryException.class, () -> client.resolve(ref("pinned/img@" + other)));
    assertEquals(RegistryException.Kind.NOT_FOUND, e.kind());
    assertTrue(e.getMessage().contains(other.toString()), e.getMessage());
  }

  @Test
  void anIndexResolvesToAmd64AndRecordsBothDigests() throws Exception {
    byte[] l = layer("multi-arch", Compression.GZIP);
    Digest index =
        reg.pushIndex(
            "multi/arch",
            "v1",
            List.of("linux/arm64", "linux/amd64", "linux/arm/v7"),
            List.of(l),
            Compression.GZIP.mediaType());
    ResolvedImage img = client.resolve(ref("multi/arch:v1"));
    assertEquals("linux/amd64", img.platform());
    assertEquals(index, img.indexDigest());
    assertEquals(index, img.referenceDigest());
    assertNotEquals(index, img.manifestDigest());
    String config =
        new String(
            client.fetchManifest(ref("multi/arch@" + img.manifestDigest())).bytes(),
            StandardCharsets.UTF_8);
    assertTrue(config.contains(img.config().digest().toString()));
  }

  @Test
  void aDockerManifestListResolvesToo() throws Exception {
    Digest list =
        reg.pushIndex(
            "docker/list",
            "v1",
            List.of("linux/amd64", "linux/arm64"),
            List.of(layer("l", Compression.GZIP)),
            MediaTypes.DOCKER_LAYER_GZIP);
    assertEquals(MediaTypes.DOCKER_LIST, client.fetchManifest(ref("docker/list:v1")).mediaType());
    ResolvedImage img = client.resolve(ref("docker/list:v1"));
    assertEquals(list, img.indexDigest());
    assertEquals("linux/amd64", img.platform());
  }

  @Test
  void anIndexWithoutAmd64NamesWhatItHas() throws Exception {
    reg.pushIndex(
        "arm/only",
        "v1",
        List.of("linux/arm64", "linux/arm/v7"),
        List.of(layer("a", Compression.GZIP)),
        Compression.GZIP.mediaType());
    RegistryException e =
        assertThrows(RegistryException.class, () -> client.resolve(ref("arm/only:v1")));
    assertEquals(RegistryException.Kind.UNSUPPORTED, e.kind());
    assertEquals(
        "index "
            + reg.host()
            + "/arm/only:v1 has no linux/amd64 image; it offers \"linux/arm64\", "
            + "\"linux/arm/v7\"",
        e.getMessage());
  }

  @Test
  void aPlainManifestForAnotherPlatformIsRefusedByItsConfig() {
    reg.pushImage(
        "arm/plain",
        "v1",
        "linux/arm64",
        List.of(layer("a", Compression.GZIP)),
        Compression.GZIP.mediaType());
    RegistryException e =
        assertThrows(RegistryException.class, () -> client.resolve(ref("arm/plain:v1")));
    assertEquals(RegistryException.Kind.UNSUPPORTED, e.kind());
    assertEquals(
        "manifest "
            + reg.host()
            + "/arm/plain:v1 is a \"linux/arm64\" image; banger runs linux/amd64 images",
        e.getMessage());
  }

  @Test
  void missingTagsAndRepositoriesAreNotFound() {
    RegistryException tag =
        assertThrows(RegistryException.class, () -> client.resolve(ref("single/gzip:nope")));
    assertEquals(RegistryException.Kind.NOT_FOUND, tag.kind());
    assertTrue(
        tag.getMessage()
            .startsWith(
                "manifest " + reg.host() + "/single/gzip:nope was not found on " + reg.host()),
        tag.getMessage());
    assertTrue(tag.getMessage().contains("MANIFEST_UNKNOWN"), tag.getMessage());
    assertEquals(
        RegistryException.Kind.NOT_FOUND,
        assertThrows(RegistryException.class, () -> client.resolve(ref("no/such/repo"))).kind());
  }

  @Test
  void foreignUnknownAndNonImageManifestsAreRefusedByName() throws Exception {
    byte[] l = layer("x", Compression.GZIP);
    Digest layerDigest = reg.pushBlob("odd/types", l);
    Digest config = reg.pushBlob("odd/types", "{}".getBytes(StandardCharsets.UTF_8));
    for (String[] c :
        new String[][] {
          {MediaTypes.OCI_CONFIG, MediaTypes.DOCKER_LAYER_FOREIGN, "non-distributable"},
          {
            MediaTypes.OCI_CONFIG,
            MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_PREFIX + "+gzip",
            "non-distributable"
          },
          {
            MediaTypes.OCI_CONFIG, "application/x-weird", "unsupported type \"application/x-weird\""
          },
          {
            "application/vnd.cncf.helm.config.v1+json",
            MediaTypes.OCI_LAYER_GZIP,
            "is not a container image"
          }
        }) {
      String json =
          """
          {"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":2},
           "layers":[{"mediaType":"%s","digest":"%s","size":%d}]}"""
              .formatted(MediaTypes.OCI_MANIFEST, c[0], config, c[1], layerDigest, l.length);
      reg.pushManifest(
          "odd/types", "t", MediaTypes.OCI_MANIFEST, json.getBytes(StandardCharsets.UTF_8));
      RegistryException e =
          assertThrows(RegistryException.class, () -> client.resolve(ref("odd/types:t")));
      assertEquals(RegistryException.Kind.UNSUPPORTED, e.kind(), e.getMessage());
      assertTrue(e.getMessage().contains(c[2]), e.getMessage());
    }
  }

  @Test
  void aConfigThatDoesNotMatchItsDescriptorOrItsLayersIsRefused() throws Exception {
    byte[] l = layer("y", Compression.NONE);
    Digest layerDigest = reg.pushBlob("odd/config", l);
    byte[] twoDiffIds =
        ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[\""
                + layerDigest
                + "\",\""
                + layerDigest
                + "\"]}}")
            .getBytes(StandardCharsets.UTF_8);
    Digest config = reg.pushBlob("odd/config", twoDiffIds);
    String manifest =
        """
        {"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%d},
         "layers":[{"mediaType":"%s","digest":"%s","size":%d}]}""";
    reg.pushManifest(
        "odd/config",
        "wrong-size",
        MediaTypes.OCI_MANIFEST,
        manifest
            .formatted(
                MediaTypes.OCI_MANIFEST,
                MediaTypes.OCI_CONFIG,
                config,
                twoDiffIds.length - 1,
                MediaTypes.OCI_LAYER_TAR,
                layerDigest,
                l.length)
            .getBytes(StandardCharsets.UTF_8));
    RegistryException size =
        assertThrows(RegistryException.class, () -> client.resolve(ref("odd/config:wrong-size")));
    assertEquals(RegistryException.Kind.DIGEST_MISMATCH, size.kind(), size.getMessage());
    reg.pushManifest(
        "odd/config",
        "two-diff-ids",
        MediaTypes.OCI_MANIFEST,
        manifest
            .formatted(
                MediaTypes.OCI_MANIFEST,
                MediaTypes.OCI_CONFIG,
                config,
                twoDiffIds.length,
                MediaTypes.OCI_LAYER_TAR,
                layerDigest,
                l.length)
            .getBytes(StandardCharsets.UTF_8));
    RegistryException count =
        assertThrows(RegistryException.class, () -> client.resolve(ref("odd/config:two-diff-ids")));
    assertEquals(RegistryException.Kind.PROTOCOL, count.kind());
    assertTrue(
        count.getMessage().endsWith("has 1 layers but its config lists 2 diff_ids"),
        count.getMessage());
  }

  @Test
  void pingAnswersForARegistryAndFailsForAClosedPort() throws Exception {
    client.ping(reg.host());
    int closed;
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    int port = closed;
    RegistryException e =
        assertThrows(RegistryException.class, () -> client.ping("127.0.0.1:" + port));
    assertEquals(RegistryException.Kind.NETWORK, e.kind());
    assertTrue(e.getMessage().startsWith("cannot reach 127.0.0.1:" + port), e.getMessage());
  }
}
