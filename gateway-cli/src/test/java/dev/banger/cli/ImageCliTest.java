package dev.banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.api.image.v1.DeleteImageRequest;
import dev.banger.api.image.v1.DeleteKernelRequest;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.ListImagesRequest;
import dev.banger.api.image.v1.PromoteImageRequest;
import dev.banger.api.image.v1.PruneCacheRequest;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.RegisterImageRequest;
import dev.banger.kit.grpc.KitServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code banger image …} and {@code banger kernel …} against an ImageService double on a real Unix
 * socket.
 */
class ImageCliTest {

  @TempDir Path dir;
  FakeImageService fake;
  KitServer server;
  final ObjectMapper json = new ObjectMapper();

  @BeforeEach
  void serve() throws Exception {
    fake = new FakeImageService();
    server = CliHarness.serve(dir, "image", fake);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  CliHarness.Result run(String... args) {
    return CliHarness.run(dir, args);
  }

  @Test
  void pullSendsItsFlagsShowsProgressAndPrintsTheName() {
    fake.kernels.put("k1", FakeImageService.kernel("k1"));
    CliHarness.Result r =
        run(
            "image",
            "pull",
            "docker.io/library/alpine:3.20",
            "--name",
            "alp",
            "--size",
            "4G",
            "--force",
            "--creds",
            "me:secret",
            "--kernel",
            "k1");
    assertEquals(0, r.code(), r.err());
    assertEquals("alp\n", r.out());
    assertTrue(r.err().contains("[1/5] resolve") && r.err().contains("[5/5] publish"), r.err());
    PullImageRequest req = assertInstanceOf(PullImageRequest.class, fake.requests.getFirst());
    assertEquals("docker.io/library/alpine:3.20", req.getReference());
    assertEquals("alp", req.getName());
    assertEquals(4L << 30, req.getSizeBytes());
    assertTrue(req.getForce());
    assertEquals("me:secret", req.getCredentials());
    assertEquals("k1", req.getKernel());
    assertFalse(req.getRequestId().isEmpty());
    CliHarness.Result quiet = run("image", "pull", "-q", "debian-bookworm");
    assertEquals("debian-bookworm\n", quiet.out());
    assertEquals("", quiet.err());
    assertEquals(
        "",
        ((PullImageRequest) fake.requests.getLast()).getName(),
        "no --name: the service derives it");
    assertEquals(0L, ((PullImageRequest) fake.requests.getLast()).getSizeBytes());
  }

  @Test
  void pullUsageAndServiceErrors() {
    assertEquals(2, run("image", "pull", "x", "--creds", "nocolon").code());
    assertEquals(2, run("image", "pull", "x", "--size", "huge").code());
    assertEquals(2, run("image", "pull").code());
    assertTrue(fake.requests.isEmpty(), "usage errors call nothing");
    CliHarness.Result ghost = run("image", "pull", "ghost");
    assertEquals(1, ghost.code());
    assertEquals(
        "banger: the catalog has no image \"ghost\" (it has: debian-bookworm)\n", ghost.err());
    CliHarness.Result k = run("image", "pull", "debian-bookworm", "--kernel", "nope");
    assertEquals("banger: kernel \"nope\" not found — see 'banger kernel list'\n", k.err());
  }

  @Test
  void listAndShowInTableAndJsonAcrossPages() throws Exception {
    fake.images.put("alpine", FakeImageService.image("alpine", true));
    fake.images.put("mine", FakeImageService.image("mine", false));
    CliHarness.Result table = run("image", "ls");
    assertEquals(0, table.code(), table.err());
    assertTrue(
        table
            .out()
            .lines()
            .findFirst()
            .orElseThrow()
            .matches("NAME\\s+SOURCE\\s+SIZE\\s+KERNEL\\s+VMS\\s+CREATED\\s+ORIGIN"),
        table.out());
    assertTrue(
        table.out().matches("(?s).*\\balpine\\s+oci\\s+2\\.0 GiB\\s+-\\s+0\\s.*"), table.out());
    assertTrue(
        table.out().matches("(?s).*\\bmine\\s+registered\\*.*'banger image promote NAME'.*"),
        table.out());
    assertEquals(
        2,
        fake.requests.stream().filter(ListImagesRequest.class::isInstance).count(),
        "one page each");
    JsonNode all = json.readTree(run("image", "list", "-o", "json").out());
    assertEquals(2, all.size());
    assertEquals("alpine", all.get(0).get("name").asText());
    assertEquals("oci", all.get(0).get("source").asText());
    assertEquals(2L << 30, all.get(0).get("rootfs_size_bytes").asLong());
    assertFalse(all.get(1).get("managed").asBoolean());
    CliHarness.Result show = run("image", "show", "mine");
    assertTrue(
        show.out().contains("managed:  no — registered by reference; 'banger image promote mine'"),
        show.out());
    assertEquals(
        "alpine",
        json.readTree(run("image", "show", "alpine", "-o", "json").out()).get("name").asText());
    assertEquals(2, run("image", "ls", "-o", "yaml").code());
    assertTrue(
        run("image", "ls", "-q").out().lines().allMatch(fake.images::containsKey),
        "-q: names only");
  }

  @Test
  void errorsAreOneSentenceAndExitOne() {
    CliHarness.Result r = run("image", "show", "ghost");
    assertEquals(1, r.code());
    assertEquals("banger: image \"ghost\" not found — see 'banger image list'\n", r.err());
    assertTrue(run("--debug", "image", "show", "ghost").err().contains("reason IMAGE_NOT_FOUND"));
    assertEquals(2, run("image", "frob").code());
  }

  @Test
  void deleteFansOutAndPassesForce() {
    fake.images.put("a", FakeImageService.image("a", true));
    fake.images.put(
        "used", FakeImageService.image("used", true).toBuilder().setVmReferences(2).build());
    CliHarness.Result r = run("image", "rm", "a", "used", "ghost");
    assertEquals(1, r.code());
    assertEquals("a deleted\n", r.out());
    assertTrue(
        r.err().contains("used by 2 VM(s); delete them first or pass force (the CLI's -f)"),
        r.err());
    assertTrue(r.err().contains("image \"ghost\" not found"), r.err());
    CliHarness.Result forced = run("image", "delete", "-f", "used");
    assertEquals(0, forced.code(), forced.err());
    assertTrue(((DeleteImageRequest) fake.requests.getLast()).getForce());
  }

  @Test
  void registerMakesThePathAbsoluteAndRefusesAMissingOne() throws Exception {
    CliHarness.Result missing =
        run("image", "register", "mine", dir.resolve("nope.ext4").toString());
    assertEquals(2, missing.code());
    assertEquals("banger: PATH " + dir.resolve("nope.ext4") + " does not exist\n", missing.err());
    assertTrue(fake.requests.isEmpty());
    Path rootfs =
        Files.createFile(
            Path.of("")
                .toAbsolutePath()
                .resolve("target/cli-test-rootfs-" + ProcessHandle.current().pid() + ".ext4"));
    try {
      Path relative = Path.of("").toAbsolutePath().relativize(rootfs);
      CliHarness.Result r = run("image", "register", "mine", relative.toString(), "--kernel", "k1");
      assertEquals(0, r.code(), r.err());
      assertEquals("mine\n", r.out());
      assertTrue(r.err().contains("'banger image promote mine'"), r.err());
      RegisterImageRequest req = (RegisterImageRequest) fake.requests.getLast();
      assertEquals(rootfs.toString(), req.getRootfsPath(), "relative paths become absolute");
      assertEquals("k1", req.getDefaultKernel());
    } finally {
      Files.delete(rootfs);
    }
    CliHarness.Result p = run("image", "promote", "mine");
    assertEquals("mine\n", p.out());
    assertTrue(p.err().contains("copy") && p.err().contains("publish"), p.err());
    assertEquals("mine", ((PromoteImageRequest) fake.requests.getLast()).getImage());
    assertEquals("", run("image", "promote", "-q", "mine").err());
  }

  @Test
  void cachePrune() {
    CliHarness.Result r = run("image", "cache", "prune");
    assertEquals(0, r.code(), r.err());
    assertEquals("freed 300 MiB (7 blobs)\n", r.out());
    assertInstanceOf(PruneCacheRequest.class, fake.requests.getLast());
  }

  @Test
  void kernelImportFromHostOrFiles() throws Exception {
    CliHarness.Result host = run("kernel", "import", "--from-host", "--release", "6.1.0-27-amd64");
    assertEquals(0, host.code(), host.err());
    assertEquals("host-6.1.0-27-amd64\n", host.out());
    ImportKernelRequest req = (ImportKernelRequest) fake.requests.getLast();
    assertTrue(req.getFromHost());
    assertEquals("6.1.0-27-amd64", req.getHostRelease());
    assertEquals("", req.getKernelPath());

    Path vmlinux = Files.createFile(dir.resolve("vmlinux"));
    Path modules = Files.createDirectories(dir.resolve("lib/modules/6.1.0"));
    CliHarness.Result files =
        run(
            "kernel",
            "import",
            "--name",
            "mine",
            "--kernel",
            vmlinux.toString(),
            "--modules",
            modules.toString(),
            "-q");
    assertEquals(0, files.code(), files.err());
    assertEquals("", files.err());
    req = (ImportKernelRequest) fake.requests.getLast();
    assertEquals(vmlinux.toString(), req.getKernelPath());
    assertEquals(modules.toString(), req.getModulesPath());
    assertEquals("", req.getInitrdPath());
    assertFalse(req.getFromHost());

    int before = fake.requests.size();
    CliHarness.Result noInitrd =
        run(
            "kernel",
            "import",
            "--name",
            "x",
            "--kernel",
            vmlinux.toString(),
            "--initrd",
            dir.resolve("initrd.img").toString());
    assertEquals(2, noInitrd.code());
    assertTrue(
        noInitrd.err().contains("--initrd " + dir.resolve("initrd.img") + " does not exist"),
        noInitrd.err());
    assertEquals(
        2, run("kernel", "import", "--kernel", vmlinux.toString()).code(), "--name is required");
    assertEquals(
        2,
        run("kernel", "import", "--from-host", "--kernel", vmlinux.toString()).code(),
        "one source");
    assertEquals(2, run("kernel", "import").code(), "a source is required");
    assertEquals(
        2, run("kernel", "import", "--release", "6.1").code(), "--release needs --from-host");
    assertEquals(before, fake.requests.size(), "usage errors call nothing");
  }

  @Test
  void kernelListShowAndDelete() throws Exception {
    fake.kernels.put("k1", FakeImageService.kernel("k1"));
    CliHarness.Result table = run("kernel", "ls");
    assertTrue(
        table
            .out()
            .matches(
                "(?s)NAME\\s+RELEASE\\s+INITRD\\s+MODULES\\s+CREATED\n"
                    + "k1\\s+6\\.1\\.0-27-amd64\\s+yes\\s+no\\s.*"),
        table.out());
    assertEquals(
        String.join("\n", new java.util.TreeSet<>(fake.kernels.keySet())) + "\n",
        String.join("\n", new java.util.TreeSet<>(run("kernel", "ls", "-q").out().lines().toList()))
            + "\n",
        "-q: names only");
    JsonNode all = json.readTree(run("kernel", "list", "-o", "json").out());
    assertEquals("6.1.0-27-amd64", all.get(0).get("version").asText());
    assertEquals(
        "k1", json.readTree(run("kernel", "show", "k1", "-o", "json").out()).get("name").asText());
    assertTrue(run("kernel", "show", "k1").out().contains("release:  6.1.0-27-amd64"));
    CliHarness.Result ghost = run("kernel", "show", "ghost");
    assertEquals("banger: kernel \"ghost\" not found — see 'banger kernel list'\n", ghost.err());
    CliHarness.Result rm = run("kernel", "rm", "-f", "k1");
    assertEquals("k1 deleted\n", rm.out());
    assertTrue(((DeleteKernelRequest) fake.requests.getLast()).getForce());
    assertTrue(fake.kernels.isEmpty());
    CliHarness.Result rmGhost = run("kernel", "rm", "ghost");
    assertEquals(1, rmGhost.code());
    assertEquals("", rmGhost.out(), "nothing was deleted");
    assertTrue(rmGhost.err().contains("kernel \"ghost\" not found"), rmGhost.err());
  }
}
