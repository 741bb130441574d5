package dev.banger.image;

import static dev.banger.ext4.RealImages.assertFsckClean;
import static dev.banger.ext4.RealImages.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImageSource;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.PullImageResponse;
import dev.banger.disk.DiskServiceModule;
import dev.banger.ext4.RealImages;
import dev.banger.kit.config.ConfigLoader;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.process.Command;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog's mmdebstrap recipes for real: mmdebstrap fetching from deb.debian.org (the one
 * outside address tests may reach), its tar streamed through image-service and disk-service.
 */
class DebianBootstrapTest {

  @TempDir static Path dir;
  static ServiceHarness h;
  static ImageServiceGrpc.ImageServiceBlockingStub stub;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(
        RealImages.run(Command.of("sh", "-c", "command -v mmdebstrap").build()).succeeded(),
        "SKIPPED LOUDLY: mmdebstrap is not installed (apt-get install mmdebstrap uidmap; .ci/run does)");
    try {
      InetAddress.getByName("deb.debian.org");
    } catch (java.net.UnknownHostException e) {
      Assumptions.abort(
          "SKIPPED LOUDLY: deb.debian.org does not resolve, so mmdebstrap cannot reach Debian's mirror");
    }
    h =
        ServiceHarness.start(
            dir.resolve("state"),
            ConfigLoader.parse(
                """
        [image.catalog.tiny.debian]
        suite = "bookworm"
        variant = "essential"

        [image.catalog.nonsense.debian]
        suite = "bookworm"
        packages = ["banger-no-such-package"]
        """,
                "test config"),
            new ImageServiceModule(),
            new DiskServiceModule());
    stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  @Test
  void theDefaultImageIsBuiltFromDebiansMirrorWithTrueOwnersAndBangersPieces() throws Exception {
    long t0 = System.nanoTime();
    List<PullImageResponse> events = new ArrayList<>();
    java.util.Map<String, Long> stageStart = new java.util.LinkedHashMap<>();
    stub.withDeadlineAfter(20, TimeUnit.MINUTES)
        .pullImage(PullImageRequest.newBuilder().setReference("debian-bookworm").build())
        .forEachRemaining(
            e -> {
              events.add(e);
              stageStart.putIfAbsent(
                  e.hasProgress() ? e.getProgress().getStage() : "done", System.nanoTime());
            });
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);

    var stages = new LinkedHashSet<String>();
    events.stream()
        .filter(PullImageResponse::hasProgress)
        .forEach(e -> stages.add(e.getProgress().getStage()));
    assertEquals(
        List.of("resolve", "bootstrap", "flatten", "kit", "build", "ownership", "seed", "publish"),
        List.copyOf(stages));
    assertTrue(
        events.stream()
            .filter(PullImageResponse::hasProgress)
            .map(e -> e.getProgress().getMessage())
            .anyMatch(m -> m.startsWith("I: downloading packages")),
        "mmdebstrap's own progress is relayed");
    Image image = events.getLast().getImage();
    assertEquals("debian-bookworm", image.getName());
    assertEquals(ImageSource.IMAGE_SOURCE_DEBIAN, image.getSource());
    assertTrue(
        image.getOrigin().matches("catalog:debian-bookworm@sha256:[0-9a-f]{64}"),
        image.getOrigin());
    assertEquals(
        image.getOrigin().substring(image.getOrigin().indexOf('@') + 1),
        image.getDigest(),
        "the digest is the recipe's");

    Path rootfs = Path.of(image.getRootfsPath());
    RealImages.Stat sudo = stat(rootfs, "/usr/bin/sudo");
    assertNotNull(sudo, "sudo is installed");
    assertEquals(0, sudo.uid());
    assertEquals(0, sudo.gid());
    assertEquals(04755, sudo.mode(), "setuid root survives the unprivileged staging");
    assertEquals("regular", stat(rootfs, "/usr/sbin/sshd").type());
    assertEquals(
        "character special",
        stat(rootfs, "/dev/null").type(),
        "device nodes from the tarball are made");
    assertEquals(
        new RealImages.Stat("regular", 0640, 0, 42, -1), withoutSize(stat(rootfs, "/etc/shadow")));
    assertEquals("regular", stat(rootfs, "/usr/sbin/useradd").type());
    assertTrue(
        RealImages.cat(rootfs, "/etc/ssh/sshd_config.d/99-banger.conf")
            .contains("AuthorizedKeysFile"));
    assertEquals(0755, stat(rootfs, "/usr/local/lib/banger/first-boot").mode() & 07777);
    assertEquals(
        "symlink",
        stat(rootfs, "/etc/systemd/system/multi-user.target.wants/banger-first-boot.service")
            .type());
    assertTrue(
        RealImages.cat(rootfs, "/usr/lib/os-release").contains("bookworm"),
        "os-release (/etc/os-release links to it)");
    assertFsckClean(rootfs);
    assertTrue(Files.exists(Path.of(image.getWorkSeedPath())));
    assertStagingEmpty();

    Image again =
        stub.pullImage(PullImageRequest.newBuilder().setReference("debian-bookworm").build())
            .next()
            .getImage();
    assertEquals(
        image.getId(),
        again.getId(),
        "the same recipe again is the same image, not a second build");

    String fs =
        RealImages.check(Command.of("dumpe2fs", "-h", rootfs.toString()).build()).stdoutText();
    long blocks = field(fs, "Block count"),
        free = field(fs, "Free blocks"),
        bs = field(fs, "Block size");
    long allocatedKib =
        Long.parseLong(
            RealImages.check(Command.of("du", "-k", rootfs.toString()).build())
                .stdoutText()
                .split("\\s+")[0]);
    List<String> names = List.copyOf(stageStart.keySet());
    StringBuilder perStage = new StringBuilder();
    for (int i = 0; i + 1 < names.size(); i++) {
      perStage
          .append(names.get(i))
          .append(' ')
          .append(
              TimeUnit.NANOSECONDS.toMillis(
                  stageStart.get(names.get(i + 1)) - stageStart.get(names.get(i))))
          .append(" ms; ");
    }
    System.out.printf(
        "MEASURED debian-bookworm: %d s end to end (%s); rootfs %d MiB, %d MiB used in it, %d MiB"
            + " allocated on the host%n",
        seconds,
        perStage,
        image.getRootfsSizeBytes() >> 20,
        ((blocks - free) * bs) >> 20,
        allocatedKib >> 10);
  }

  @Test
  void cancellingMidBootstrapStopsMmdebstrapAndEverythingBelowItAndLeavesNothing()
      throws Exception {
    List<String> before = imageDirs();
    List<ProcessHandle> tree = new CopyOnWriteArrayList<>();
    List<Long> groups = new CopyOnWriteArrayList<>();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(
        () ->
            ImageServiceGrpc.newStub(h.channel(ServiceName.IMAGE))
                .pullImage(
                    PullImageRequest.newBuilder().setReference("tiny").build(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(PullImageResponse r) {
                        String m = r.getProgress().getMessage();
                        if (tree.isEmpty()
                            && (m.startsWith("I: extracting") || m.startsWith("I: installing"))) {
                          tree.addAll(bootstrapProcesses());
                          groups.addAll(
                              tree.stream().map(DebianBootstrapTest::processGroup).toList());
                          ctx.cancel(null);
                        }
                      }

                      @Override
                      public void onError(Throwable t) {
                        ended.complete(Status.fromThrowable(t));
                      }

                      @Override
                      public void onCompleted() {
                        ended.complete(Status.OK);
                      }
                    }));
    assertEquals(Status.Code.CANCELLED, ended.get(5, TimeUnit.MINUTES).getCode());
    assertTrue(
        tree.stream().anyMatch(p -> p.info().commandLine().orElse("").contains("mmdebstrap")),
        "mmdebstrap was running when the pull was cancelled: " + tree);
    // mmdebstrap SIGHUPs its process group when writing the tar fails: it must not be ours.
    assertTrue(
        !groups.isEmpty() && !groups.contains(processGroup(ProcessHandle.current())),
        "mmdebstrap runs in a process group of its own: " + groups);
    long cancelledAt = System.nanoTime();
    long deadline = cancelledAt + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline
        && (tree.stream().anyMatch(ProcessHandle::isAlive)
            || !bootstrapProcesses().isEmpty()
            || stagingHasSomething())) {
      Thread.sleep(200);
    }
    System.out.printf(
        "MEASURED cancel mid-bootstrap: %d processes (mmdebstrap and below) gone and staging empty"
            + " %d ms after the cancel%n",
        tree.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelledAt));
    assertTrue(
        tree.stream().noneMatch(ProcessHandle::isAlive),
        "left running: "
            + tree.stream()
                .filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList());
    assertEquals(List.of(), bootstrapProcesses());
    assertStagingEmpty();
    assertEquals(before, imageDirs());
    assertThrows(
        StatusRuntimeException.class,
        () ->
            stub.getImage(
                dev.banger.api.image.v1.GetImageRequest.newBuilder().setImage("tiny").build()));
  }

  /**
   * {@code image pull tiny --packages hello --name tiny-hello}: the recipe plus a package, resolved
   * by apt from the recipe's mirror, an image of its own whose origin names what was added.
   */
  @Test
  void packagesAddedToARecipeMakeAnImageOfItsOwn() throws Exception {
    Image image = null;
    var it =
        stub.pullImage(
            PullImageRequest.newBuilder()
                .setReference("tiny")
                .setName("tiny-hello")
                .addPackages("hello")
                .build());
    while (it.hasNext()) {
      PullImageResponse r = it.next();
      if (r.hasImage()) {
        image = r.getImage();
      }
    }
    assertNotNull(image);
    assertTrue(
        image.getOrigin().matches("catalog:tiny\\+hello@sha256:[0-9a-f]{64}"), image.getOrigin());
    assertEquals(
        "regular",
        stat(Path.of(image.getRootfsPath()), "/usr/bin/hello").type(),
        "hello is installed");
    stub.deleteImage(
        dev.banger.api.image.v1.DeleteImageRequest.newBuilder().setImage("tiny-hello").build());

    for (PullImageRequest bad :
        List.of(
            PullImageRequest.newBuilder().setReference("tiny").addPackages("hello").build(),
            PullImageRequest.newBuilder()
                .setReference("tiny")
                .setName("x")
                .addPackages("Hello;rm")
                .build(),
            PullImageRequest.newBuilder()
                .setReference("docker.io/library/debian:bookworm")
                .setName("x")
                .addPackages("hello")
                .build())) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class, () -> stub.pullImage(bad).forEachRemaining(r -> {}));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    }
  }

  @Test
  void aPackageTheMirrorDoesNotHaveIsABadRecipeAndLeavesNothing() throws Exception {
    List<String> before = imageDirs();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.pullImage(PullImageRequest.newBuilder().setReference("nonsense").build())
                    .forEachRemaining(r -> {}));
    assertEquals(
        Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals("BOOTSTRAP_BAD_RECIPE", Errors.errorInfo(e).orElseThrow().getReason());
    assertTrue(
        e.getStatus().getDescription().contains("banger-no-such-package"),
        e.getStatus().getDescription());
    assertEquals(List.of(), bootstrapProcesses());
    assertStagingEmpty();
    assertEquals(before, imageDirs());
  }

  /**
   * The flattener stops reading mid-tar. mmdebstrap then fails to write and SIGHUPs its whole
   * process group: it runs in a session of its own, so this JVM (the service) survives it.
   */
  @Test
  void aTarTheFlattenerRefusesMidStreamStopsMmdebstrapAndLeavesNothing(@TempDir Path other)
      throws Exception {
    try (ServiceHarness small =
        ServiceHarness.start(
            other,
            ConfigLoader.parse(
                """
        [image]
        max_entries = 300
        [image.catalog.tiny.debian]
        suite = "bookworm"
        variant = "essential"
        """,
                "test config"),
            new ImageServiceModule(),
            new DiskServiceModule())) {
      var s = ImageServiceGrpc.newBlockingStub(small.channel(ServiceName.IMAGE));
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  s.withDeadlineAfter(10, TimeUnit.MINUTES)
                      .pullImage(PullImageRequest.newBuilder().setReference("tiny").build())
                      .forEachRemaining(r -> {}));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
      assertEquals("LAYER_REJECTED", Errors.errorInfo(e).orElseThrow().getReason());
      assertTrue(
          e.getStatus().getDescription().contains("more than 300 entries"),
          e.getStatus().getDescription());
      assertEquals(
          List.of(),
          bootstrapProcesses(),
          "mmdebstrap and its children are gone when the pull fails");
      Path staging = small.layout().images().resolve(".staging");
      try (Stream<Path> st = Files.walk(staging)) {
        assertEquals(List.of(staging), st.toList(), "nothing staged is left");
      }
      assertEquals(
          dev.banger.api.image.v1.ListImagesResponse.getDefaultInstance(),
          s.listImages(dev.banger.api.image.v1.ListImagesRequest.getDefaultInstance()));
    }
  }

  /**
   * mmdebstrap (a perl script: its command is perl, its command line names it) and what it forked
   * (apt, dpkg, tar…), as seen from this JVM, which runs the service.
   */
  private static List<ProcessHandle> bootstrapProcesses() {
    return ProcessHandle.current()
        .children()
        .filter(p -> p.info().commandLine().orElse("").contains("mmdebstrap"))
        .flatMap(p -> Stream.concat(Stream.of(p), p.descendants()))
        .toList();
  }

  /** Field 5 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
  private static long processGroup(ProcessHandle p) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
    } catch (java.io.IOException e) {
      return -1; // gone already
    }
  }

  private static boolean stagingHasSomething() throws Exception {
    Path staging = h.layout().images().resolve(".staging");
    if (!Files.isDirectory(staging)) {
      return false;
    }
    try (Stream<Path> s = Files.list(staging)) {
      return s.findAny().isPresent();
    }
  }

  private static void assertStagingEmpty() throws Exception {
    Path staging = h.layout().images().resolve(".staging");
    if (Files.isDirectory(staging)) {
      try (Stream<Path> s = Files.walk(staging)) {
        assertEquals(
            List.of(staging),
            s.toList(),
            "the staging area is empty: no tree, no mmdebstrap TMPDIR");
      }
    }
  }

  private static List<String> imageDirs() throws Exception {
    try (Stream<Path> s = Files.list(h.layout().images())) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> !n.equals(".staging"))
          .sorted()
          .toList();
    }
  }

  private static RealImages.Stat withoutSize(RealImages.Stat s) {
    return new RealImages.Stat(s.type(), s.mode(), s.uid(), s.gid(), -1);
  }

  private static long field(String dumpe2fs, String name) {
    var m = java.util.regex.Pattern.compile("(?m)^" + name + ":\\s+(\\d+)").matcher(dumpe2fs);
    assertTrue(m.find(), name + " in dumpe2fs output");
    return Long.parseLong(m.group(1));
  }
}
