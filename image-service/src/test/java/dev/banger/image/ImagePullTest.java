package dev.banger.image;

import static dev.banger.ext4.RealImages.assertFsckClean;
import static dev.banger.ext4.RealImages.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.image.v1.AddImageReferenceRequest;
import dev.banger.api.image.v1.DeleteImageRequest;
import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ListImagesRequest;
import dev.banger.api.image.v1.PruneCacheRequest;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.PullImageResponse;
import dev.banger.disk.DiskServiceModule;
import dev.banger.ext4.RealImages;
import dev.banger.image.oci.Digest;
import dev.banger.image.testing.TarLayers;
import dev.banger.image.testing.TestRegistry;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls from a real docker-registry on loopback, filled by the test, through image-service and
 * disk-service over their sockets, and checks the rootfs with debugfs and e2fsck.
 */
class ImagePullTest {

  @TempDir static Path dir;
  static TestRegistry registry;
  static ServiceHarness h;
  static ImageServiceGrpc.ImageServiceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    registry = TestRegistry.start(Files.createDirectory(dir.resolve("registry")));
    h =
        ServiceHarness.start(
            dir.resolve("state"), new ImageServiceModule(), new DiskServiceModule());
    stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
    byte[] base =
        TarLayers.layer()
            .dir("usr/bin", 0755)
            .file("usr/bin/sudo", "sudo", 04755, 0, 0)
            .hardlink("usr/bin/sudoedit", "usr/bin/sudo")
            .file("etc/shadow", "root:*:", 0640, 0, 42)
            .charDevice("dev/null", 1, 3, 0666)
            .file("etc/gone", "x", 0644, 0, 0)
            .dir("opt/app", 0755)
            .file("opt/app/old", "old", 0644, 0, 0)
            .dir("root", 0700)
            .file("root/.bashrc", "PS1=x", 0644, 0, 0)
            .build(TarLayers.Compression.GZIP);
    byte[] top =
        TarLayers.layer()
            .whiteout("etc/gone")
            .opaque("opt/app")
            .file("opt/app/new", "new", 0644, 1000, 1000)
            .build(TarLayers.Compression.GZIP);
    registry.pushImage(
        "test/two", "v1", List.of(base, top), TarLayers.Compression.GZIP.mediaType());
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  private static List<PullImageResponse> pull(PullImageRequest req) {
    List<PullImageResponse> out = new ArrayList<>();
    Iterator<PullImageResponse> it = stub.pullImage(req);
    it.forEachRemaining(out::add);
    return out;
  }

  private static Image pull(String ref, String name) {
    List<PullImageResponse> events =
        pull(PullImageRequest.newBuilder().setReference(ref).setName(name).build());
    return events.getLast().getImage();
  }

  @Test
  void twoLayerPullKeepsOwnersSetuidDevicesAndWhiteoutsAndReportsEachStage() {
    List<PullImageResponse> events =
        pull(
            PullImageRequest.newBuilder()
                .setReference(registry.host() + "/test/two:v1")
                .setName("two")
                .build());
    Set<String> stages = new LinkedHashSet<>();
    events.stream()
        .filter(PullImageResponse::hasProgress)
        .forEach(e -> stages.add(e.getProgress().getStage()));
    assertEquals(
        List.of("resolve", "fetch", "flatten", "kit", "build", "ownership", "seed", "publish"),
        List.copyOf(stages));
    // Bytes are for transfers only (common.proto): flatten's "layer i/n" is in its message, not in
    // bytes_done/total,
    // which the CLI would print as a byte count and, off a terminal, drop as an update (issue #7's
    // e2e found it).
    List<dev.banger.api.common.v1.Progress> flatten =
        events.stream()
            .filter(PullImageResponse::hasProgress)
            .map(PullImageResponse::getProgress)
            .filter(p -> p.getStage().equals("flatten"))
            .toList();
    assertEquals(
        List.of("applying layer 1/2", "applying layer 2/2"),
        flatten.stream().map(p -> p.getMessage().replaceAll(" \\(.*", "")).toList());
    assertTrue(
        flatten.stream().allMatch(p -> p.getBytesDone() == 0 && p.getBytesTotal() == 0),
        flatten.toString());
    assertTrue(
        events.stream()
            .filter(PullImageResponse::hasProgress)
            .allMatch(e -> !e.getProgress().getOperationId().isEmpty()),
        "each event names its operation");
    Image image = events.getLast().getImage();
    assertEquals("two", image.getName());
    assertTrue(image.getDigest().startsWith("sha256:"));
    assertEquals(1L << 30, image.getRootfsSizeBytes(), "small images get the 1 GiB minimum");

    Path rootfs = Path.of(image.getRootfsPath());
    assertEquals(new RealImages.Stat("regular", 04755, 0, 0, 4), stat(rootfs, "/usr/bin/sudo"));
    assertEquals(new RealImages.Stat("regular", 0640, 0, 42, 7), stat(rootfs, "/etc/shadow"));
    assertEquals(
        new RealImages.Stat("character special", 0666, 0, 0, 0), stat(rootfs, "/dev/null"));
    assertEquals(new RealImages.Stat("regular", 0644, 1000, 1000, 3), stat(rootfs, "/opt/app/new"));
    assertTrue(
        RealImages.run(
                dev.banger.kit.process.Command.of(
                        "debugfs", "-R", "stat /etc/gone", rootfs.toString())
                    .build())
            .stderrText()
            .contains("not found"),
        "whiteout removed /etc/gone");
    assertTrue(
        RealImages.run(
                dev.banger.kit.process.Command.of(
                        "debugfs", "-R", "stat /opt/app/old", rootfs.toString())
                    .build())
            .stderrText()
            .contains("not found"),
        "opaque dir hid the lower layer");
    assertTrue(
        RealImages.cat(rootfs, "/etc/ssh/sshd_config.d/99-banger.conf")
            .contains("AuthorizedKeysFile"));
    assertFsckClean(rootfs);
    Path seed = Path.of(image.getWorkSeedPath());
    assertTrue(Files.exists(seed), "work-seed built by disk-service");
    assertEquals("PS1=x", RealImages.cat(seed, "/.bashrc"));
  }

  @Test
  void aRepeatedPullReturnsTheSameImageAndAnotherSourceUnderTheSameNameIsRefused() {
    Image first = pull(registry.host() + "/test/two:v1", "again");
    Image second = pull(registry.host() + "/test/two:v1", "again");
    assertEquals(first.getId(), second.getId());
    registry.pushImage(
        "test/other",
        "v1",
        List.of(TarLayers.layer().file("a", "a", 0644, 0, 0).build(TarLayers.Compression.NONE)),
        TarLayers.Compression.NONE.mediaType());
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class, () -> pull(registry.host() + "/test/other:v1", "again"));
    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());

    // force: the other image takes the name, in one step; the old one's files go.
    Image forced =
        pull(PullImageRequest.newBuilder()
                .setReference(registry.host() + "/test/other:v1")
                .setName("again")
                .setForce(true)
                .build())
            .getLast()
            .getImage();
    assertTrue(forced.getOrigin().endsWith("/test/other:v1"), forced.toString());
    assertFalse(forced.getId().equals(first.getId()));
    assertEquals(
        forced.getId(),
        stub.getImage(GetImageRequest.newBuilder().setImage("again").build()).getImage().getId());
    assertFalse(
        Files.exists(Path.of(first.getRootfsPath()).getParent()), "the replaced image's files");

    // force again, same source: a second replacement, not a retry that keeps the old one.
    Image again =
        pull(PullImageRequest.newBuilder()
                .setReference(registry.host() + "/test/other:v1")
                .setName("again")
                .setForce(true)
                .build())
            .getLast()
            .getImage();
    assertFalse(again.getId().equals(forced.getId()), "forced twice: a new image each time");
    assertFalse(Files.exists(Path.of(forced.getRootfsPath()).getParent()));
    assertEquals("a", RealImages.cat(Path.of(again.getRootfsPath()), "/a"));
    assertFsckClean(Path.of(again.getRootfsPath()));
    assertTrue(Files.exists(Path.of(again.getWorkSeedPath())), "its work-seed");
  }

  @Test
  void anIndexIsResolvedToLinuxAmd64() {
    registry.pushIndex(
        "test/multi",
        "v1",
        List.of("linux/arm64", "linux/amd64"),
        List.of(
            TarLayers.layer()
                .file("etc/os", "multi", 0644, 0, 0)
                .build(TarLayers.Compression.GZIP)),
        TarLayers.Compression.GZIP.mediaType());
    Image image = pull(registry.host() + "/test/multi:v1", "multi");
    assertEquals("multi", RealImages.cat(Path.of(image.getRootfsPath()), "/etc/os"));
  }

  @Test
  void aHostileLayerFailsThePullAndLeavesNothing() throws Exception {
    registry.pushImage(
        "test/hostile",
        "v1",
        List.of(
            TarLayers.layer()
                .file("ok", "x", 0644, 0, 0)
                .raw(
                    "../../escape",
                    org.apache.commons.compress.archivers.tar.TarConstants.LF_NORMAL,
                    "x".getBytes())
                .build(TarLayers.Compression.GZIP)),
        TarLayers.Compression.GZIP.mediaType());
    List<String> before = imageDirs();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> pull(registry.host() + "/test/hostile:v1", "hostile"));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("LAYER_REJECTED", Errors.errorInfo(e).orElseThrow().getReason());
    assertTrue(
        e.getStatus().getDescription().contains("path traversal"), e.getStatus().getDescription());
    assertEquals(before, imageDirs(), "no image directory, no staging left");
    assertThrows(
        StatusRuntimeException.class,
        () -> stub.getImage(GetImageRequest.newBuilder().setImage("hostile").build()));
  }

  @Test
  void aLayerThatDoesNotUnpackToItsDiffIdIsRefusedAndNothingIsPublished() throws Exception {
    byte[] layer =
        TarLayers.layer()
            .file("f", "what the blob holds", 0644, 0, 0)
            .build(TarLayers.Compression.GZIP);
    // The blob is what the manifest says (its digest checks out); the config claims it unpacks
    // to something else, as a tampered or mis-built image would.
    Digest claimed =
        Digest.sha256(
            TarLayers.decompress(
                TarLayers.layer()
                    .file("f", "what the config claims", 0644, 0, 0)
                    .build(TarLayers.Compression.GZIP),
                TarLayers.Compression.GZIP));
    registry.pushImageWithDiffIds(
        "test/diffid",
        "v1",
        List.of(layer),
        TarLayers.Compression.GZIP.mediaType(),
        List.of(claimed));
    List<String> before = imageDirs();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> pull(registry.host() + "/test/diffid:v1", "diffid"));
    assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(
        e.getStatus().getDescription().contains("diff_id for it is " + claimed),
        e.getStatus().getDescription());
    assertEquals(before, imageDirs(), "no image directory, no staging left");
  }

  @Test
  void aCorruptBlobIsADigestMismatchAndNothingIsPublishedOrCached() throws Exception {
    byte[] layer =
        TarLayers.layer().file("f", "genuine", 0644, 0, 0).build(TarLayers.Compression.GZIP);
    registry.pushImage(
        "test/corrupt", "v1", List.of(layer), TarLayers.Compression.GZIP.mediaType());
    Digest d = Digest.sha256(layer);
    Path blob = registry.blobFile(d);
    byte[] bad = Files.readAllBytes(blob);
    bad[bad.length / 2] ^= 0x5a;
    Files.write(blob, bad);
    List<String> before = imageDirs();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> pull(registry.host() + "/test/corrupt:v1", "corrupt"));
    assertEquals(Status.Code.DATA_LOSS, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals(before, imageDirs());
    assertFalse(
        Files.exists(h.layout().ociCache().resolve("blobs/sha256/" + d.hex())),
        "bad blob not cached");
  }

  @Test
  void badInputIsRefusedNamingTheField() {
    for (String[] c :
        new String[][] {
          {"", "x"},
          {registry.host() + "/UPPER/case:tag", "x"},
          {"a/../b:t", "x"},
          {"$(reboot)", "x"},
          {registry.host() + "/test/two:v1", "Bad Name"},
          {registry.host() + "/test/two:v1", "../x"}
        }) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> pull(c[0], c[1]));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), String.join(" ", c));
    }
    StatusRuntimeException missing =
        assertThrows(
            StatusRuntimeException.class, () -> pull(registry.host() + "/test/nope:v1", "nope"));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
  }

  @Test
  void referencesBlockDeleteUnlessForcedAndPruneFreesTheCache() {
    Image image = pull(registry.host() + "/test/two:v1", "referenced");
    String vm = "0b6c5a0e-2f8e-4c59-9d5b-7f0e1c2d3a4b";
    assertEquals(
        1,
        stub.addImageReference(
                AddImageReferenceRequest.newBuilder().setImage("referenced").setVmId(vm).build())
            .getImage()
            .getVmReferences());
    stub.addImageReference(
        AddImageReferenceRequest.newBuilder().setImage("referenced").setVmId(vm).build());
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.deleteImage(DeleteImageRequest.newBuilder().setImage("referenced").build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertTrue(
        stub.listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
            .anyMatch(i -> i.getName().equals("referenced")));
    stub.deleteImage(DeleteImageRequest.newBuilder().setImage("referenced").setForce(true).build());
    assertFalse(Files.exists(Path.of(image.getRootfsPath()).getParent()));
    StatusRuntimeException again =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.deleteImage(DeleteImageRequest.newBuilder().setImage("referenced").build()));
    assertEquals(Status.Code.NOT_FOUND, again.getStatus().getCode(), "a missing name is named");
    assertEquals("image \"referenced\" not found", again.getStatus().getDescription());
    assertThrows(
        StatusRuntimeException.class,
        () ->
            stub.addImageReference(
                AddImageReferenceRequest.newBuilder()
                    .setImage("two")
                    .setVmId("not-a-uuid")
                    .build()));
    assertTrue(stub.pruneCache(PruneCacheRequest.getDefaultInstance()).getBytesFreed() > 0);
  }

  private static List<String> imageDirs() throws Exception {
    try (Stream<Path> s = Files.list(h.layout().images())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
