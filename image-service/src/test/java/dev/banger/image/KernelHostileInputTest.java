package dev.banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.image.kernel.TestKernels;
import dev.banger.image.testing.ModulesDirs;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every path and name of ImportKernel treated as hostile: each bad input is one clear error, and
 * nothing is left in {@code kernels/} or the table. Uses a small synthetic bzImage (release {@value
 * #RELEASE}) so each case is fast; the real kernel is {@link KernelImportTest}'s.
 */
class KernelHostileInputTest {

  static final String RELEASE = "6.1.0-test-amd64";

  @TempDir static Path dir;
  static ServiceHarness h;
  static ImageServiceGrpc.ImageServiceBlockingStub stub;
  static Path kernel;

  @BeforeAll
  static void start() throws Exception {
    h = ServiceHarness.start(dir.resolve("state"), new ImageServiceModule());
    stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
    kernel = Files.write(dir.resolve("vmlinuz-" + RELEASE), TestKernels.bzImage(RELEASE));
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
  }

  /** The invariant of every case: no kernel directory, nothing staged, no row. */
  @AfterEach
  void nothingLeft() throws Exception {
    try (Stream<Path> s = Files.list(h.layout().kernels())) {
      assertEquals(
          List.of(), s.filter(p -> !p.getFileName().toString().equals(".staging")).toList());
    }
    Path staging = h.layout().kernels().resolve(".staging");
    if (Files.exists(staging)) {
      try (Stream<Path> s = Files.list(staging)) {
        assertEquals(List.of(), s.toList(), "staging emptied");
      }
    }
    assertEquals(0, stub.listKernels(ListKernelsRequest.getDefaultInstance()).getKernelsCount());
  }

  private static StatusRuntimeException refused(
      ImportKernelRequest.Builder req, Status.Code code, String reason, String inMessage) {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.importKernel(req.build()).forEachRemaining(x -> {}));
    String d = e.getStatus().getDescription();
    System.out.println(
        "refused "
            + e.getStatus().getCode()
            + " "
            + Errors.errorInfo(e).map(i -> i.getReason()).orElse("")
            + ": "
            + d);
    assertEquals(code, e.getStatus().getCode(), d);
    assertEquals(reason, Errors.errorInfo(e).orElseThrow().getReason(), d);
    assertTrue(d.contains(inMessage), "\"" + inMessage + "\" not in: " + d);
    return e;
  }

  private static ImportKernelRequest.Builder req(String kernelPath) {
    return ImportKernelRequest.newBuilder().setName("k").setKernelPath(kernelPath);
  }

  @Test
  void pathsMustBeAbsoluteWithoutDotDot() {
    refused(req("boot/vmlinuz"), Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT", "absolute");
    refused(
        req(dir + "/../" + dir.getFileName() + "/vmlinuz-" + RELEASE),
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "must not contain \"..\"");
    refused(
        req(kernel.toString()).setInitrdPath("initrd.img"),
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "initrd_path must be an absolute path");
    refused(
        req("/boot/vm\0linuz"),
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "not a valid path");
    refused(req(""), Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT", "kernel_path is required");
  }

  @Test
  void namesAreCheckedAndEchoedSafely() {
    StatusRuntimeException e =
        refused(
            req(kernel.toString()).setName("k\u001b[31m"),
            Status.Code.INVALID_ARGUMENT,
            "INVALID_ARGUMENT",
            "name must match");
    assertFalse(
        e.getStatus().getDescription().contains("\u001b"), "control characters are escaped");
    assertTrue(e.getStatus().getDescription().contains("\\x1b"));
    refused(
        req(kernel.toString()).setName("Upper"),
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "name must match");
    refused(
        req(kernel.toString()).setName("../k"),
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "name must match");
    refused(
        req(kernel.toString()).setName(""),
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "name is required");
  }

  @Test
  void whatThePathNamesMustBeAReadableKernel() throws Exception {
    refused(
        req(dir.resolve("missing").toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "does not exist");
    refused(
        req(dir.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "not a regular file (a directory)");
    Path text =
        Files.writeString(
            dir.resolve("notes.txt"),
            "not a kernel at all, just some text that is long enough ".repeat(20));
    refused(
        req(text.toString()),
        Status.Code.INVALID_ARGUMENT,
        "KERNEL_NOT_A_KERNEL",
        "neither an ELF vmlinux");
    Path empty = Files.createFile(dir.resolve("empty"));
    refused(req(empty.toString()), Status.Code.INVALID_ARGUMENT, "KERNEL_NOT_A_KERNEL", "is empty");
    byte[] broken = TestKernels.bzImage(RELEASE);
    for (int i = broken.length - 700; i < broken.length - 600; i++) {
      broken[i] ^= 0x55; // inside the gzip payload: it no longer decodes
    }
    Path corrupt = Files.write(dir.resolve("corrupt"), broken);
    refused(
        req(corrupt.toString())
            .setModulesPath(ModulesDirs.make(dir.resolve("m-corrupt"), RELEASE).toString()),
        Status.Code.INVALID_ARGUMENT,
        "KERNEL_CORRUPT_PAYLOAD",
        "does not decode");
    Path secret = Files.write(dir.resolve("private-kernel"), TestKernels.bzImage(RELEASE));
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    refused(
        req(secret.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "not readable by every user");
    Path fifo = dir.resolve("fifo");
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    refused(
        req(kernel.toString()).setInitrdPath(fifo.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "initrd_path \"" + fifo + "\" is not a regular file (a device, FIFO or socket)");
    refused(
        req(h.layout().database(ServiceName.IMAGE).toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "inside banger's own state");
    Path link =
        Files.createSymbolicLink(dir.resolve("db-link"), h.layout().database(ServiceName.IMAGE));
    refused(
        req(link.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "inside banger's own state");
  }

  @Test
  void aSymlinkToAKernelIsFollowedAndTheRulesApplyToItsTarget() throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("vmlinuz"), kernel);
    List<dev.banger.api.image.v1.ImportKernelResponse> events = new java.util.ArrayList<>();
    stub.importKernel(req(link.toString()).setName("linked").build()).forEachRemaining(events::add);
    Kernel k = events.getLast().getKernel();
    assertEquals(RELEASE, k.getVersion());
    assertEquals(-1, Files.mismatch(kernel, Path.of(k.getBzimagePath())));
    stub.deleteKernel(
        dev.banger.api.image.v1.DeleteKernelRequest.newBuilder().setKernel("linked").build());
  }

  @Test
  void modulesTreesAreCheckedBeforeAnythingIsCopied() throws Exception {
    Path escape = ModulesDirs.make(dir.resolve("m-escape"), RELEASE);
    Files.createSymbolicLink(escape.resolve("kernel/evil"), Path.of("../../../../etc"));
    refused(
        req(kernel.toString()).setModulesPath(escape.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "which leaves the modules tree");

    Path absolute = ModulesDirs.make(dir.resolve("m-abs"), RELEASE);
    Files.createSymbolicLink(absolute.resolve("kernel/passwd"), Path.of("/etc/passwd"));
    refused(
        req(kernel.toString()).setModulesPath(absolute.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "only relative links that stay inside the modules tree");

    Path through = ModulesDirs.make(dir.resolve("m-through"), RELEASE);
    Files.createSymbolicLink(
        through.resolve("kernel/up"), Path.of("..")); // fine alone: the tree's root
    Files.createSymbolicLink(
        through.resolve("kernel/sneaky"), Path.of("up/..")); // "." lexically, out by the link
    refused(
        req(kernel.toString()).setModulesPath(through.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "sneaky\" is a symlink to \"up/..\", which leaves the modules tree");

    Path fifo = ModulesDirs.make(dir.resolve("m-fifo"), RELEASE);
    assertEquals(
        0, new ProcessBuilder("mkfifo", fifo.resolve("kernel/pipe").toString()).start().waitFor());
    refused(
        req(kernel.toString()).setModulesPath(fifo.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "may hold only files, directories and symlinks");

    Path priv = ModulesDirs.make(dir.resolve("m-private"), RELEASE);
    Files.setPosixFilePermissions(
        priv.resolve("modules.dep"), PosixFilePermissions.fromString("rw-------"));
    refused(
        req(kernel.toString()).setModulesPath(priv.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "modules.dep\" is not readable by every user");

    Path badName = ModulesDirs.make(dir.resolve("m-name"), RELEASE);
    Files.writeString(badName.resolve("kernel/quote\"d.ko"), "x");
    refused(
        req(kernel.toString()).setModulesPath(badName.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "a name the rootfs builder cannot carry");
  }

  @Test
  void modulesOfAnotherReleaseAreRefusedNamingBoth() throws Exception {
    Path other = ModulesDirs.make(dir.resolve("m-other"), "6.1.0-other-amd64");
    refused(
        req(kernel.toString()).setModulesPath(other.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "holds the modules of kernel 6.1.0-other-amd64, but the kernel is " + RELEASE);
    refused(
        req(kernel.toString()).setModulesPath(other.getParent().toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "is neither lib/modules/" + RELEASE + " (the kernel's release) nor a directory holding it");
    Path file = Files.writeString(dir.resolve("m-file"), "x");
    refused(
        req(kernel.toString()).setModulesPath(file.toString()),
        Status.Code.INVALID_ARGUMENT,
        "SOURCE_REJECTED",
        "is not a directory");
  }

  @Test
  void fromHostIsExclusiveAndItsReleaseChecked() {
    refused(
        ImportKernelRequest.newBuilder().setFromHost(true).setKernelPath(kernel.toString()),
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "give it alone");
    refused(
        ImportKernelRequest.newBuilder().setFromHost(true).setHostRelease("../../etc/passwd"),
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "host_release must match");
    refused(
        ImportKernelRequest.newBuilder().setFromHost(true).setHostRelease("9.9.9-none"),
        Status.Code.FAILED_PRECONDITION,
        "HOST_KERNEL_MISSING",
        "no /boot/vmlinuz-9.9.9-none");
    refused(
        req(kernel.toString()).setHostRelease("6.1.0"),
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        "host_release goes with from_host");
  }
}
