package dev.banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.api.image.v1.DeleteKernelRequest;
import dev.banger.api.image.v1.GetKernelRequest;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.ImportKernelResponse;
import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.api.image.v1.ListKernelsResponse;
import dev.banger.image.app.KernelImport;
import dev.banger.image.kernel.BzImageHeader;
import dev.banger.image.kernel.ElfInfo;
import dev.banger.image.kernel.VmlinuxExtractor;
import dev.banger.image.testing.ModulesDirs;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imports the Debian kernel installed on the build machine ({@code /boot}, linux-image-amd64)
 * through image-service's socket, and lists, gets and deletes it. Skips loudly without one.
 */
class KernelImportTest {

  @TempDir static Path dir;
  static ServiceHarness h;
  static ImageServiceGrpc.ImageServiceBlockingStub stub;
  static String release;
  static Path bzImage;

  @BeforeAll
  static void start() throws Exception {
    h = ServiceHarness.start(dir.resolve("state"), new ImageServiceModule());
    stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
    Optional<String> r = ModulesDirs.hostKernelRelease();
    if (r.isEmpty()) {
      System.err.println(
          "KernelImportTest: real-kernel tests SKIPPED: no /boot/vmlinuz-* (apt-get install linux-image-amd64)");
    } else {
      release = r.get();
      bzImage = Path.of("/boot/vmlinuz-" + release);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  private static void assumeKernel() {
    assumeTrue(
        release != null, "no /boot/vmlinuz-* on this machine: apt-get install linux-image-amd64");
  }

  static List<ImportKernelResponse> importKernel(ImportKernelRequest req) {
    List<ImportKernelResponse> out = new ArrayList<>();
    stub.importKernel(req).forEachRemaining(out::add);
    return out;
  }

  @Test
  void aDebianBzImageComesInWithItsVmlinuxInitrdAndModules() throws Exception {
    assumeKernel();
    Path initrd = Path.of("/boot/initrd.img-" + release);
    assumeTrue(
        Files.isRegularFile(initrd), "no " + initrd + ": the Debian kernel package makes one");
    Path modules = ModulesDirs.make(Files.createTempDirectory(dir, "mods"), release);
    List<ImportKernelResponse> events =
        importKernel(
            ImportKernelRequest.newBuilder()
                .setName("debian")
                .setKernelPath(bzImage.toString())
                .setInitrdPath(initrd.toString())
                .setModulesPath(modules.getParent().toString()) // lib/modules, holding <release>
                .build());
    LinkedHashSet<String> stages = new LinkedHashSet<>();
    events.stream()
        .filter(ImportKernelResponse::hasProgress)
        .forEach(e -> stages.add(e.getProgress().getStage()));
    assertEquals(List.of(KernelImport.STAGES), List.copyOf(stages));
    Kernel k = events.getLast().getKernel();
    assertEquals("debian", k.getName());
    assertEquals(release, k.getVersion(), "the release the bzImage header states");

    ElfInfo elf = ElfInfo.read(Path.of(k.getVmlinuxPath()));
    assertEquals(
        BzImageHeader.read(bzImage).preferredAddress().orElseThrow(),
        elf.entry(),
        "the vmlinux's entry is where the bzImage says the kernel is linked");
    assertTrue(elf.hasPvhEntry(), "Debian's kernel has a PVH entry, which QEMU microvm uses");
    assertEquals(
        -1, Files.mismatch(bzImage, Path.of(k.getBzimagePath())), "bzImage kept as it was");
    assertEquals(-1, Files.mismatch(initrd, Path.of(k.getInitrdPath())), "initrd copied");
    Path tree = Path.of(k.getModulesPath(), "lib/modules", release);
    assertEquals(
        "\u007fELF module for " + release,
        Files.readString(tree.resolve("kernel/drivers/test.ko")));
    assertEquals(
        Path.of("drivers/test.ko"), Files.readSymbolicLink(tree.resolve("kernel/alias.ko")));
    assertFalse(
        Files.exists(tree.resolve("build"), java.nio.file.LinkOption.NOFOLLOW_LINKS),
        "the link to the host's headers is left out");
    Path kdir = Path.of(k.getVmlinuxPath()).getParent();
    assertEquals("rwxr-xr-x", perms(kdir));
    assertEquals("rw-r--r--", perms(Path.of(k.getVmlinuxPath())));
    assertEquals("rw-r--r--", perms(Path.of(k.getInitrdPath())));

    assertEquals(
        k, stub.getKernel(GetKernelRequest.newBuilder().setKernel("debian").build()).getKernel());
    assertEquals(
        k, stub.getKernel(GetKernelRequest.newBuilder().setKernel(k.getId()).build()).getKernel());
    assertTrue(
        stub.listKernels(ListKernelsRequest.getDefaultInstance()).getKernelsList().contains(k));

    StatusRuntimeException again =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                importKernel(
                    ImportKernelRequest.newBuilder()
                        .setName("debian")
                        .setKernelPath(bzImage.toString())
                        .build()));
    assertEquals(Status.Code.ALREADY_EXISTS, again.getStatus().getCode());
    assertEquals("KERNEL_EXISTS", Errors.errorInfo(again).orElseThrow().getReason());

    stub.deleteKernel(DeleteKernelRequest.newBuilder().setKernel("debian").build());
    assertFalse(Files.exists(kdir), "files removed");
    StatusRuntimeException gone =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.getKernel(GetKernelRequest.newBuilder().setKernel("debian").build()));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
    StatusRuntimeException deletedAgain =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.deleteKernel(DeleteKernelRequest.newBuilder().setKernel("debian").build()));
    assertEquals(
        Status.Code.NOT_FOUND, deletedAgain.getStatus().getCode(), "a missing name is named");
    assertEquals("kernel \"debian\" not found", deletedAgain.getStatus().getDescription());
  }

  @Test
  void aVmlinuxGivenDirectlyIsKeptAndItsReleaseReadFromItsBanner() throws Exception {
    assumeKernel();
    Path vmlinux = Files.createTempDirectory(dir, "elf").resolve("vmlinux");
    VmlinuxExtractor.extract(bzImage, vmlinux);
    Kernel k =
        importKernel(
                ImportKernelRequest.newBuilder()
                    .setName("elf")
                    .setKernelPath(vmlinux.toString())
                    .build())
            .getLast()
            .getKernel();
    assertEquals(release, k.getVersion(), "found in linux_banner");
    assertEquals("", k.getBzimagePath());
    assertEquals(-1, Files.mismatch(vmlinux, Path.of(k.getVmlinuxPath())));

    // The service's own files are not a source, not even its own kernels.
    StatusRuntimeException own =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                importKernel(
                    ImportKernelRequest.newBuilder()
                        .setName("own")
                        .setKernelPath(k.getVmlinuxPath())
                        .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, own.getStatus().getCode());
    assertTrue(
        own.getStatus().getDescription().contains("banger's own state"),
        own.getStatus().getDescription());
    stub.deleteKernel(DeleteKernelRequest.newBuilder().setKernel("elf").build());
  }

  @Test
  void fromHostTakesTheHostsKernelInitrdAndAllItsModules() throws Exception {
    assumeKernel();
    Path hostModules = Path.of("/lib/modules", release);
    long start = System.nanoTime();
    java.util.Map<String, Long> firstSeen = new java.util.LinkedHashMap<>();
    Kernel k = null;
    var it =
        stub.importKernel(
            ImportKernelRequest.newBuilder().setFromHost(true).setHostRelease(release).build());
    while (it.hasNext()) {
      ImportKernelResponse r = it.next();
      if (r.hasProgress()) {
        firstSeen.putIfAbsent(r.getProgress().getStage(), (System.nanoTime() - start) / 1_000_000);
      } else {
        k = r.getKernel();
      }
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println("from_host stages began at (ms): " + firstSeen);
    assertEquals("host-" + release, k.getName());
    assertEquals(release, k.getVersion());
    assertEquals(-1, Files.mismatch(bzImage, Path.of(k.getBzimagePath())));
    Path initrd = Path.of("/boot/initrd.img-" + release);
    assertEquals(Files.isRegularFile(initrd), !k.getInitrdPath().isEmpty());
    assertEquals(Files.isDirectory(hostModules), !k.getModulesPath().isEmpty());
    if (Files.isDirectory(hostModules)) {
      Path copy = Path.of(k.getModulesPath(), "lib/modules", release);
      long[] host = census(hostModules);
      long[] ours = census(copy);
      assertEquals(host[0], ours[0], "every entry copied");
      assertEquals(host[1], ours[1], "every byte copied");
      System.out.printf(
          "from_host import of %s: %d entries, %d bytes of modules, %d ms%n",
          release, ours[0], ours[1], ms);
    }
    stub.deleteKernel(DeleteKernelRequest.newBuilder().setKernel(k.getId()).build());
  }

  @Test
  void fromHostDefaultsToTheRunningKernelAndSaysSoWhenItIsNotInstalled() throws Exception {
    String running = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
    if (Files.isRegularFile(Path.of("/boot/vmlinuz-" + running))) {
      Kernel k =
          importKernel(
                  ImportKernelRequest.newBuilder().setFromHost(true).setName("running").build())
              .getLast()
              .getKernel();
      assertEquals(running, k.getVersion());
      stub.deleteKernel(DeleteKernelRequest.newBuilder().setKernel("running").build());
    } else {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> importKernel(ImportKernelRequest.newBuilder().setFromHost(true).build()));
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
      assertEquals("HOST_KERNEL_MISSING", Errors.errorInfo(e).orElseThrow().getReason());
      assertTrue(
          e.getStatus().getDescription().contains("/boot/vmlinuz-" + running),
          e.getStatus().getDescription());
    }
  }

  @Test
  void cancellingTheCallMidImportLeavesNothing() throws Exception {
    assumeKernel();
    assumeTrue(
        Files.isDirectory(Path.of("/lib/modules", release)),
        "no /lib/modules/" + release + " to copy");
    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    List<String> stages = new ArrayList<>();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ctx.run(
                    () -> {
                      var it =
                          stub.importKernel(
                              ImportKernelRequest.newBuilder()
                                  .setFromHost(true)
                                  .setHostRelease(release)
                                  .setName("cancelled")
                                  .build());
                      while (it.hasNext()) {
                        ImportKernelResponse r = it.next();
                        stages.add(r.getProgress().getStage());
                        if (r.getProgress().getStage().equals("modules")) {
                          ctx.cancel(
                              null); // the client hangs up while hundreds of MiB are being copied
                        }
                      }
                    }));
    assertEquals(Status.Code.CANCELLED, e.getStatus().getCode());
    assertTrue(stages.contains("modules") && !stages.contains("publish"), stages.toString());
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!leftovers().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100); // the server notices at its next check, then removes staging
    }
    assertEquals(List.of(), leftovers());
    assertThrows(
        StatusRuntimeException.class,
        () -> stub.getKernel(GetKernelRequest.newBuilder().setKernel("cancelled").build()));
  }

  /** Anything in kernels/ but the (empty) staging directory and the kernels other tests keep. */
  private static List<Path> leftovers() throws IOException {
    List<String> kept =
        stub.listKernels(ListKernelsRequest.getDefaultInstance()).getKernelsList().stream()
            .map(k -> Path.of(k.getVmlinuxPath()).getParent().getFileName().toString())
            .toList();
    List<Path> out = new ArrayList<>();
    try (Stream<Path> s = Files.list(h.layout().kernels())) {
      for (Path p : s.toList()) {
        if (p.getFileName().toString().equals(".staging")) {
          try (Stream<Path> st = Files.list(p)) {
            out.addAll(st.toList());
          }
        } else if (!kept.contains(p.getFileName().toString())) {
          out.add(p);
        }
      }
    }
    return out;
  }

  @Test
  void listPagesByName() throws Exception {
    Path k =
        Files.write(
            dir.resolve("paging-bz"),
            dev.banger.image.kernel.TestKernels.bzImage("6.1.0-test-amd64"));
    for (String n : List.of("page-c", "page-a", "page-b")) {
      importKernel(ImportKernelRequest.newBuilder().setName(n).setKernelPath(k.toString()).build());
    }
    List<String> names = new ArrayList<>();
    String token = "";
    do {
      ListKernelsResponse r =
          stub.listKernels(
              ListKernelsRequest.newBuilder().setPageSize(1).setPageToken(token).build());
      r.getKernelsList().forEach(x -> names.add(x.getName()));
      token = r.getNextPageToken();
    } while (!token.isEmpty());
    assertEquals(
        List.of("page-a", "page-b", "page-c"),
        names.stream().filter(n -> n.startsWith("page-")).toList());
    for (String n : List.of("page-a", "page-b", "page-c")) {
      stub.deleteKernel(DeleteKernelRequest.newBuilder().setKernel(n).build());
    }
  }

  private static long[] census(Path tree) throws IOException {
    long[] c = new long[2];
    try (Stream<Path> s = Files.walk(tree)) {
      s.forEach(
          p -> {
            if (leftOut(tree, p)) {
              return;
            }
            c[0]++;
            if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
              try {
                c[1] += Files.size(p);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            }
          });
    }
    return c;
  }

  /** The top-level links an import leaves out, so the host census counts what we copy. */
  private static boolean leftOut(Path tree, Path p) {
    String rel = tree.relativize(p).toString();
    return (rel.equals("build") || rel.equals("source")) && Files.isSymbolicLink(p);
  }

  static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(
        Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }
}
