package dev.banger.image;

import static dev.banger.ext4.RealImages.assertFsckClean;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.image.v1.AddImageReferenceRequest;
import dev.banger.api.image.v1.DeleteImageRequest;
import dev.banger.api.image.v1.GuestBoot;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImageSource;
import dev.banger.api.image.v1.ListImagesRequest;
import dev.banger.api.image.v1.PromoteImageRequest;
import dev.banger.api.image.v1.PromoteImageResponse;
import dev.banger.api.image.v1.RegisterImageRequest;
import dev.banger.disk.DiskServiceModule;
import dev.banger.ext4.RealImages;
import dev.banger.image.app.ImagePromoter;
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
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RegisterImage and PromoteImage on real ext4 files made by mkfs, through image-service and
 * disk-service over their sockets: the user's file is checked, never changed, never deleted.
 */
class RegisterImageTest {

  @TempDir static Path dir;
  static ServiceHarness h;
  static ImageServiceGrpc.ImageServiceBlockingStub stub;
  static Path user;

  @BeforeAll
  static void start() throws Exception {
    h =
        ServiceHarness.start(
            dir.resolve("state"), new ImageServiceModule(), new DiskServiceModule());
    stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
    user = Files.createDirectory(dir.resolve("user"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  /** A small bootable-looking rootfs: an init, a /root to seed from, 64 MiB, mostly holes. */
  static Path rootfs(String name, boolean withInit) throws Exception {
    Path tree = Files.createDirectories(dir.resolve("trees").resolve(name));
    Files.createDirectories(tree.resolve("root"));
    Files.writeString(tree.resolve("root/.profile"), "echo hi\n");
    if (withInit) {
      Files.createDirectories(tree.resolve("sbin"));
      Files.writeString(tree.resolve("sbin/init"), "#!/bin/sh\n" + name + "\n");
    }
    Path img = user.resolve(name + ".ext4");
    RealImages.check(
        Command.of("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString(), "64M").build());
    return img;
  }

  static Image register(String name, String path) {
    return stub.registerImage(
            RegisterImageRequest.newBuilder().setName(name).setRootfsPath(path).build())
        .getImage();
  }

  static List<PromoteImageResponse> promote(String image) {
    List<PromoteImageResponse> out = new ArrayList<>();
    stub.promoteImage(PromoteImageRequest.newBuilder().setImage(image).build())
        .forEachRemaining(out::add);
    return out;
  }

  static List<String> names() {
    return stub.listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
        .map(Image::getName)
        .toList();
  }

  /** 512-byte blocks allocated (the JDK does not expose st_blocks). */
  static long blocks(Path p) {
    return Long.parseLong(
        RealImages.check(Command.of("stat", "-c", "%b", p.toString()).build())
            .stdoutText()
            .strip());
  }

  static Status.Code code(Runnable r) {
    return assertThrows(StatusRuntimeException.class, r::run).getStatus().getCode();
  }

  /**
   * systemd, udev and sshd, as a rootfs made with mmdebstrap has them, but none of banger's guest
   * units: its systemd would never set up the network, so the kit boots it.
   */
  @Test
  void aSystemdRootfsBangerDidNotBuildBootsTheKit() throws Exception {
    Path tree = Files.createDirectories(dir.resolve("trees").resolve("reg-sysd"));
    for (String f :
        List.of("usr/lib/systemd/systemd", "usr/lib/systemd/systemd-udevd", "usr/sbin/sshd")) {
      Files.createDirectories(tree.resolve(f).getParent());
      Files.writeString(tree.resolve(f), "x");
    }
    Files.createSymbolicLink(tree.resolve("lib"), Path.of("usr/lib"));
    Files.createSymbolicLink(tree.resolve("sbin"), Path.of("usr/sbin"));
    Path img = user.resolve("reg-sysd.ext4");
    RealImages.check(
        Command.of("mkfs.ext4", "-q", "-F", "-d", tree.toString(), img.toString(), "64M").build());
    Image image = register("reg-sysd", img.toString());
    assertEquals(GuestBoot.GUEST_BOOT_KIT, image.getGuestBoot());
    assertTrue(
        image.getGuestNotes(0).contains("not banger's guest units"),
        image.getGuestNotesList().toString());
    stub.deleteImage(DeleteImageRequest.newBuilder().setImage("reg-sysd").build());
  }

  @Test
  void registerRecordsTheFileByReferenceAndIsIdempotent() throws Exception {
    Path img = rootfs("reg-a", true);
    byte[] before = Files.readAllBytes(img);
    Path link = Files.createSymbolicLink(user.resolve("reg-a-link"), img);
    Image image = register("reg-a", link.toString());
    assertFalse(image.getManaged());
    assertEquals(ImageSource.IMAGE_SOURCE_REGISTERED, image.getSource());
    assertEquals(img.toRealPath().toString(), image.getOrigin(), "recorded by its resolved path");
    assertEquals(image.getOrigin(), image.getRootfsPath());
    assertEquals(64L << 20, image.getRootfsSizeBytes());
    assertEquals("", image.getWorkSeedPath());
    // No systemd: banger's guest kit boots it, built by the registration.
    assertEquals(GuestBoot.GUEST_BOOT_KIT, image.getGuestBoot());
    assertTrue(
        image.getGuestNotes(0).startsWith("no systemd: banger's guest kit"),
        image.getGuestNotesList().toString());
    assertTrue(Files.isRegularFile(Path.of(image.getKitPath())), image.getKitPath());
    assertEquals(
        image.getId(), register("reg-a", img.toString()).getId(), "same name, same file: a retry");
    Path other = rootfs("reg-a-other", true);
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> register("reg-a", other.toString()));
    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());

    e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.addImageReference(
                    AddImageReferenceRequest.newBuilder()
                        .setImage("reg-a")
                        .setVmId("0b5e1f2a-1111-4222-8333-444455556666")
                        .build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertEquals("IMAGE_NOT_PROMOTED", Errors.errorInfo(e).orElseThrow().getReason());
    assertTrue(e.getStatus().getDescription().contains("promote"), e.getStatus().getDescription());

    stub.deleteImage(DeleteImageRequest.newBuilder().setImage("reg-a").build());
    assertFalse(names().contains("reg-a"));
    assertArrayEquals(
        before, Files.readAllBytes(img), "the user's file is never changed nor deleted");
  }

  @Test
  void badRegistrationsAreRefusedWithTheReasonAndRecordNothing() throws Exception {
    List<String> start = names();
    Path noInit = rootfs("no-init", false);
    Path notExt4 = Files.writeString(user.resolve("not-ext4.img"), "x".repeat(70_000));
    Path unclean = rootfs("unclean", true);
    RealImages.check(
        Command.of("debugfs", "-w", "-R", "sif <2> links_count 7", unclean.toString()).build());
    Path inState =
        Files.copy(rootfs("in-state", true), h.layout().images().resolve("in-state.ext4"));
    Path good = rootfs("good", true);
    record Case(String name, String path, String kernel, Status.Code code, String says) {}
    List<Case> cases =
        List.of(
            new Case(
                "x1", "relative/rootfs.ext4", "", Status.Code.INVALID_ARGUMENT, "absolute path"),
            new Case(
                "x2", user + "/../user/good.ext4", "", Status.Code.INVALID_ARGUMENT, "normal path"),
            new Case("x3", user + "//good.ext4", "", Status.Code.INVALID_ARGUMENT, "normal path"),
            new Case(
                "x4", user + "/good.ext4\0", "", Status.Code.INVALID_ARGUMENT, "absolute path"),
            new Case("x5", "", "", Status.Code.INVALID_ARGUMENT, "rootfs_path is required"),
            new Case("x6", user + "/missing.ext4", "", Status.Code.NOT_FOUND, "does not exist"),
            new Case("x7", user.toString(), "", Status.Code.INVALID_ARGUMENT, "not a regular file"),
            new Case("x8", notExt4.toString(), "", Status.Code.INVALID_ARGUMENT, "not-ext4.img"),
            new Case("x9", noInit.toString(), "", Status.Code.FAILED_PRECONDITION, "has no init"),
            new Case("x10", unclean.toString(), "", Status.Code.FAILED_PRECONDITION, "e2fsck -fp"),
            new Case(
                "x11",
                inState.toString(),
                "",
                Status.Code.INVALID_ARGUMENT,
                "inside banger's state"),
            new Case("x12", "/dev/null", "", Status.Code.INVALID_ARGUMENT, "not a regular file"),
            new Case(
                "x13", good.toString(), "no-such-kernel", Status.Code.NOT_FOUND, "no-such-kernel"),
            new Case("Bad\u001bName", good.toString(), "", Status.Code.INVALID_ARGUMENT, "\\x1b"),
            new Case("", good.toString(), "", Status.Code.INVALID_ARGUMENT, "name must match"));
    for (Case c : cases) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  stub.registerImage(
                      RegisterImageRequest.newBuilder()
                          .setName(c.name())
                          .setRootfsPath(c.path())
                          .setDefaultKernel(c.kernel())
                          .build()),
              c.toString());
      assertEquals(c.code(), e.getStatus().getCode(), c + ": " + e.getStatus());
      String says = e.getStatus().getDescription();
      assertTrue(says.contains(c.says()), c + " should say '" + c.says() + "': " + says);
      assertFalse(says.chars().anyMatch(ch -> ch < 0x20), "no control character echoed: " + says);
    }
    assertEquals(start, names(), "nothing recorded");
  }

  @Test
  void promoteCopiesSparselyBuildsTheSeedAndLeavesTheUsersFile() throws Exception {
    Path img = rootfs("prom", true);
    byte[] before = Files.readAllBytes(img);
    Image reg = register("prom", img.toString());
    List<PromoteImageResponse> events = promote("prom");
    Set<String> stages = new LinkedHashSet<>();
    events.stream()
        .filter(PromoteImageResponse::hasProgress)
        .forEach(e -> stages.add(e.getProgress().getStage()));
    assertEquals(List.of(ImagePromoter.STAGES), List.copyOf(stages));
    Image image = events.getLast().getImage();
    assertTrue(image.getManaged());
    assertEquals(reg.getId(), image.getId(), "the same image, now managed");
    Path copy = Path.of(image.getRootfsPath());
    assertEquals(h.layout().images().resolve(image.getId()).resolve("rootfs.ext4"), copy);
    assertEquals(img.toString(), image.getOrigin(), "origin still says where it came from");
    assertArrayEquals(before, Files.readAllBytes(copy), "a byte-identical copy");
    long copyBlocks = blocks(copy);
    long userBlocks = blocks(img);
    assertTrue(
        copyBlocks <= userBlocks + 8,
        "the copy stays sparse: " + copyBlocks + " vs " + userBlocks + " blocks");
    assertFsckClean(copy);
    assertEquals("echo hi\n", RealImages.cat(Path.of(image.getWorkSeedPath()), "/.profile"));
    assertEquals(image, promote("prom").getLast().getImage(), "promoting again is a retry");
    assertEquals(
        image.getId(),
        stub.addImageReference(
                AddImageReferenceRequest.newBuilder()
                    .setImage("prom")
                    .setVmId("0b5e1f2a-1111-4222-8333-444455556667")
                    .build())
            .getImage()
            .getId(),
        "usable by VMs now");
    stub.deleteImage(DeleteImageRequest.newBuilder().setImage("prom").setForce(true).build());
    assertFalse(Files.exists(copy.getParent()), "the managed copy goes with the image");
    assertArrayEquals(before, Files.readAllBytes(img), "the user's file stays");
  }

  @Test
  void aPromoteThatFailsLeavesTheImageRegisteredAndNoFiles() throws Exception {
    Path img = rootfs("prom-bad", true);
    Image reg = register("prom-bad", img.toString());
    RealImages.check(
        Command.of("debugfs", "-w", "-R", "sif <2> links_count 7", img.toString()).build());
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> promote("prom-bad"));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().contains("not a clean ext4"),
        e.getStatus().getDescription());
    Image now =
        stub.getImage(
                dev.banger.api.image.v1.GetImageRequest.newBuilder().setImage("prom-bad").build())
            .getImage();
    assertEquals(reg, now, "still registered, unchanged");
    try (Stream<Path> s = Files.list(h.layout().images())) {
      assertFalse(
          s.anyMatch(p -> p.getFileName().toString().equals(reg.getId())),
          "no published directory");
    }
    Path staging = h.layout().images().resolve(".staging");
    if (Files.exists(staging)) {
      try (Stream<Path> s = Files.list(staging)) {
        assertEquals(0, s.count(), "no staging leftovers");
      }
    }
    assertEquals(Status.Code.NOT_FOUND, code(() -> promote("no-such-image")));
  }
}
