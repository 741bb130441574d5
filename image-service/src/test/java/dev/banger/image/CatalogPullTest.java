package dev.banger.image;

import static dev.banger.ext4.RealImages.assertFsckClean;
import static dev.banger.ext4.RealImages.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImageSource;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.PullImageResponse;
import dev.banger.disk.DiskServiceModule;
import dev.banger.ext4.RealImages;
import dev.banger.image.oci.Digest;
import dev.banger.image.testing.BundleServer;
import dev.banger.image.testing.TarLayers;
import dev.banger.image.testing.TestRegistry;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.ConfigLoader;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.process.Command;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Catalog pulls through image-service and disk-service: bundles served by an HTTP server on
 * 127.0.0.1, an {@code oci} entry pointing at a docker-registry on loopback, and the catalog's
 * refusals. (The mmdebstrap recipes are in DebianBootstrapTest.)
 */
class CatalogPullTest {

  /** image.max_total_bytes for this test: also the largest bundle downloaded. */
  static final long LIMIT = 4L << 20;

  @TempDir static Path dir;
  static BundleServer web;
  static TestRegistry registry;
  static ServiceHarness h;
  static ImageServiceGrpc.ImageServiceBlockingStub stub;
  static byte[] zst;

  @BeforeAll
  static void start() throws Exception {
    web = BundleServer.start();
    registry = TestRegistry.start(Files.createDirectory(dir.resolve("registry")));
    registry.pushImage(
        "test/os",
        "v1",
        List.of(
            TarLayers.layer()
                .file("etc/os", "from-oci", 0644, 0, 0)
                .build(TarLayers.Compression.GZIP)),
        TarLayers.Compression.GZIP.mediaType());

    TarLayers rootfs =
        TarLayers.layer()
            .dir("usr/bin", 0755)
            .file("usr/bin/sudo", "sudo", 04755, 0, 0)
            .file("etc/shadow", "root:*:", 0640, 0, 42)
            .charDevice("dev/null", 1, 3, 0666)
            .dir("root", 0700)
            .file("root/.profile", "bundle", 0644, 0, 0);
    zst = rootfs.build(TarLayers.Compression.ZSTD);
    byte[] xz =
        RealImages.run(
                Command.of("xz", "-c").stdin(rootfs.build(TarLayers.Compression.NONE)).build())
            .stdout();
    byte[] genuine =
        TarLayers.layer().file("f", "genuine", 0644, 0, 0).build(TarLayers.Compression.GZIP);
    byte[] tampered = genuine.clone();
    tampered[tampered.length / 2] ^= 0x5a;
    byte[] huge = new byte[(int) LIMIT + 4096];
    new Random(1).nextBytes(huge);

    String toml =
        """
        [image]
        max_total_bytes = %d
        [image.catalog.tiny-zst.bundle]
        url = "%s"
        sha256 = "%s"
        [image.catalog.tiny-xz.bundle]
        url = "%s"
        sha256 = "%s"
        [image.catalog.tampered.bundle]
        url = "%s"
        sha256 = "%s"
        [image.catalog.gone.bundle]
        url = "%s"
        sha256 = "%s"
        [image.catalog.bounced.bundle]
        url = "%s"
        sha256 = "%s"
        [image.catalog.huge.bundle]
        url = "%s"
        sha256 = "%s"
        [image.catalog.from-registry]
        oci = "%s/test/os:v1"
        """
            .formatted(
                LIMIT,
                web.serve("/tiny.tar.zst", zst),
                Digest.sha256(zst).hex(),
                web.serve("/tiny.tar.xz", xz),
                Digest.sha256(xz).hex(),
                web.serve("/tampered.tar.gz", tampered),
                Digest.sha256(genuine).hex(),
                web.url("/gone.tar"),
                "0".repeat(64),
                web.redirect("/bounce", "ftp://127.0.0.1/rootfs.tar"),
                "1".repeat(64),
                web.serve("/huge.tar", huge),
                Digest.sha256(huge).hex(),
                registry.host());
    h =
        ServiceHarness.start(
            dir.resolve("state"),
            ConfigLoader.parse(toml, "test config"),
            new ImageServiceModule(),
            new DiskServiceModule());
    stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (web != null) {
      web.close();
    }
  }

  private static List<PullImageResponse> pull(String reference) {
    List<PullImageResponse> out = new ArrayList<>();
    stub.pullImage(PullImageRequest.newBuilder().setReference(reference).build())
        .forEachRemaining(out::add);
    return out;
  }

  @Test
  void aZstdBundleIsVerifiedUnpackedWithItsOwnersAndCachedForTheNextPull() throws Exception {
    List<PullImageResponse> events = pull("tiny-zst");
    var stages = new LinkedHashSet<String>();
    events.stream()
        .filter(PullImageResponse::hasProgress)
        .forEach(e -> stages.add(e.getProgress().getStage()));
    assertEquals(
        List.of("resolve", "fetch", "flatten", "kit", "build", "ownership", "seed", "publish"),
        List.copyOf(stages));
    assertTrue(
        events.stream()
            .filter(PullImageResponse::hasProgress)
            .map(PullImageResponse::getProgress)
            .allMatch(p -> p.getStageCount() == 8 && p.getStageIndex() >= 1),
        "stage indexes follow the source's stages");
    Image image = events.getLast().getImage();
    assertEquals("tiny-zst", image.getName(), "the catalog name is the default image name");
    assertEquals(ImageSource.IMAGE_SOURCE_CATALOG, image.getSource());
    assertEquals("sha256:" + Digest.sha256(zst).hex(), image.getDigest());
    assertEquals("catalog:tiny-zst@sha256:" + Digest.sha256(zst).hex(), image.getOrigin());
    assertEquals(zst.length, image.getDownloadBytes());
    Path rootfs = Path.of(image.getRootfsPath());
    assertEquals(new RealImages.Stat("regular", 04755, 0, 0, 4), stat(rootfs, "/usr/bin/sudo"));
    assertEquals(new RealImages.Stat("regular", 0640, 0, 42, 7), stat(rootfs, "/etc/shadow"));
    assertEquals(
        new RealImages.Stat("character special", 0666, 0, 0, 0), stat(rootfs, "/dev/null"));
    assertTrue(
        RealImages.cat(rootfs, "/etc/ssh/sshd_config.d/99-banger.conf")
            .contains("AuthorizedKeysFile"),
        "banger's guest pieces are in");
    assertFsckClean(rootfs);
    assertEquals("bundle", RealImages.cat(Path.of(image.getWorkSeedPath()), "/.profile"));
    assertEquals(1, web.gets("/tiny.tar.zst"));

    Image again = pull("tiny-zst").getLast().getImage();
    assertEquals(image.getId(), again.getId(), "the same catalog entry again is the same image");
    var forced = new ArrayList<PullImageResponse>();
    stub.pullImage(
            PullImageRequest.newBuilder().setReference("tiny-zst").setName("tiny-copy").build())
        .forEachRemaining(forced::add);
    assertEquals(
        "bundle",
        RealImages.cat(Path.of(forced.getLast().getImage().getRootfsPath()), "/root/.profile"));
    assertEquals(
        1, web.gets("/tiny.tar.zst"), "the second build took the bundle from the blob cache");
  }

  @Test
  void anXzBundleIsRecognisedByItsBytes() throws Exception {
    Image image = pull("tiny-xz").getLast().getImage();
    assertEquals(
        new RealImages.Stat("regular", 04755, 0, 0, 4),
        stat(Path.of(image.getRootfsPath()), "/usr/bin/sudo"));
  }

  @Test
  void aBundleWhoseBytesDoNotMatchItsSha256IsDataLossAndLeavesNothing() throws Exception {
    List<String> before = imageDirs();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> pull("tampered"));
    assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals("REGISTRY_DIGEST_MISMATCH", Errors.errorInfo(e).orElseThrow().getReason());
    assertTrue(
        e.getStatus().getDescription().contains("wrong content"), e.getStatus().getDescription());
    assertEquals(before, imageDirs(), "no image directory, no staging left");
    assertNoBlobsNamed(e);
    assertThrows(
        StatusRuntimeException.class,
        () ->
            stub.getImage(
                dev.banger.api.image.v1.GetImageRequest.newBuilder().setImage("tampered").build()));
  }

  @Test
  void aBundleLargerThanTheLimitStopsAtTheLimit() throws Exception {
    List<String> before = imageDirs();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> pull("huge"));
    assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(
        e.getStatus().getDescription().contains("larger than the " + LIMIT + "-byte limit"),
        e.getStatus().getDescription());
    assertEquals(before, imageDirs());
    assertNoBlobsNamed(e);
  }

  @Test
  void aMissingBundleIsNotFoundAndARedirectOffHttpIsRefused() {
    StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> pull("gone"));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode(), gone.getStatus().toString());
    StatusRuntimeException bounced =
        assertThrows(StatusRuntimeException.class, () -> pull("bounced"));
    assertEquals(
        Status.Code.FAILED_PRECONDITION,
        bounced.getStatus().getCode(),
        bounced.getStatus().toString());
    assertTrue(
        bounced
            .getStatus()
            .getDescription()
            .contains("refusing to contact \"ftp://127.0.0.1/rootfs.tar\""),
        bounced.getStatus().getDescription());
  }

  @Test
  void anOciEntryPullsItsReferenceUnderTheCatalogName() throws Exception {
    Image image = pull("from-registry").getLast().getImage();
    assertEquals("from-registry", image.getName());
    assertEquals(ImageSource.IMAGE_SOURCE_OCI, image.getSource());
    assertEquals(registry.host() + "/test/os:v1", image.getOrigin());
    assertEquals("from-oci", RealImages.cat(Path.of(image.getRootfsPath()), "/etc/os"));
  }

  @Test
  void anUnknownBareNameIsNotFoundNamingWhatTheCatalogHas() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> pull("alpine"));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertEquals("CATALOG_ENTRY_NOT_FOUND", Errors.errorInfo(e).orElseThrow().getReason());
    String m = e.getStatus().getDescription();
    assertTrue(
        m.contains("\"alpine\"")
            && m.contains("debian-bookworm")
            && m.contains("tiny-zst")
            && m.contains("alpine:latest"),
        m);
  }

  @Test
  void aHostileCatalogEntryStopsTheServiceAtStartUp(@TempDir Path other) throws Exception {
    var cfg =
        ConfigLoader.parse(
            "[image.catalog.b.bundle]\nurl = \"http://mirror.example.org/r.tar\"\nsha256 = \""
                + "2".repeat(64)
                + "\"",
            "test config");
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> ServiceHarness.start(other, cfg, new ImageServiceModule()).close());
    assertTrue(e.getMessage().contains("image.catalog.b.bundle.url"), e.getMessage());
    assertTrue(e.getMessage().contains("insecure_registries"), e.getMessage());
  }

  private static void assertNoBlobsNamed(StatusRuntimeException e) throws Exception {
    Path blobs = h.layout().ociCache().resolve("blobs/sha256");
    if (!Files.isDirectory(blobs)) {
      return;
    }
    try (Stream<Path> s = Files.list(blobs)) {
      for (Path p : s.toList()) {
        String hex = p.getFileName().toString().replace(".partial", "");
        assertFalse(e.getStatus().getDescription().contains(hex), "a bad bundle left " + p);
      }
    }
  }

  private static List<String> imageDirs() throws Exception {
    try (Stream<Path> s = Files.list(h.layout().images())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
