package dev.banger.cli.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.api.image.v1.DeleteKernelRequest;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.cli.CliHarness;
import dev.banger.cli.FakeImageService;
import dev.banger.kit.grpc.KitServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code banger kernel …} against an ImageService double on a real Unix socket. */
class KernelCliTest {

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

  @Test
  void pullTakesAnEntryOrTheHostsDebianReleaseAndNamesTheKernel() throws Exception {
    CliHarness.Result r = run("kernel", "pull", "debian-trixie", "--name", "t", "-q");
    assertEquals(0, r.code(), r.err());
    assertEquals("t\n", r.out());
    var req = (dev.banger.api.image.v1.PullKernelRequest) fake.requests.getLast();
    assertEquals("debian-trixie", req.getEntry());
    assertEquals("t", req.getName());
    CliHarness.Result missing = run("kernel", "pull", "ubuntu-noble", "-q");
    assertEquals(1, missing.code());
    assertTrue(missing.err().contains("no catalog entry \"ubuntu-noble\""), missing.err());

    Path debian =
        Files.writeString(
            dir.resolve("debian"),
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_CODENAME=bookworm\n");
    assertEquals("debian-bookworm", KernelPullCommand.hostEntry(debian));
    Path ubuntu = Files.writeString(dir.resolve("ubuntu"), "ID=ubuntu\nVERSION_CODENAME=noble\n");
    dev.banger.cli.CliException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            dev.banger.cli.CliException.class, () -> KernelPullCommand.hostEntry(ubuntu));
    assertTrue(e.getMessage().contains("banger kernel pull debian-bookworm"), e.getMessage());
    assertEquals(
        "debian-bookworm",
        KernelPullCommand.hostEntry(
            Files.writeString(dir.resolve("q"), "ID=\"debian\"\nVERSION_CODENAME=\"bookworm\"\n")));
    assertFalse(Files.exists(dir.resolve("nothing")));
  }
}
