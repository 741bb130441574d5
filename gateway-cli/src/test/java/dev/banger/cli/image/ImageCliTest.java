package dev.banger.cli.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.api.image.v1.DeleteImageRequest;
import dev.banger.api.image.v1.ListImagesRequest;
import dev.banger.api.image.v1.PromoteImageRequest;
import dev.banger.api.image.v1.PruneCacheRequest;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.RegisterImageRequest;
import dev.banger.cli.CliHarness;
import dev.banger.cli.FakeImageService;
import dev.banger.kit.grpc.KitServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code banger image …} against an ImageService double on a real Unix socket. */
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
    assertFalse(r.err().contains("tool chatter"), "the tool's own lines only with -v: " + r.err());
    assertTrue(
        run("image", "pull", "-v", "debian-bookworm").err().contains("      I: tool chatter\n"),
        "-v shows them");
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
}
