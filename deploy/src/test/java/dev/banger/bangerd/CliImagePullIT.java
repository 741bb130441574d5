package dev.banger.bangerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.banger.image.oci.Digest;
import dev.banger.image.testing.TarLayers;
import dev.banger.image.testing.TestRegistry;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.process.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code banger image pull} end to end, as a user runs it: the assembled {@code bin/bangerd --all}
 * in its own process, a real {@code docker-registry} on loopback holding a two-layer image this
 * test built (a setuid file, a device node, a whiteout, an opaque directory, a non-root owner), and
 * the real {@code bin/banger} with stdout and stderr on pipes (no terminal). Checks the progress
 * lines, the image as {@code image list -o json} and {@code image show} report it, the rootfs
 * itself, {@code -q}, a missing tag and {@code image delete}; then stops bangerd and checks nothing
 * it started is left running.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliImagePullIT {

  private static final Path DIST = Path.of(System.getProperty("banger.dist", "target/dist"));
  private static final HostCommandRunner RUN = new HostCommandRunner();
  private static final Duration PULL_TIMEOUT = Duration.ofMinutes(3);

  private static Path root;
  private static Path state;
  private static Path log;
  private static TestRegistry registry;
  private static RunningProcess bangerd;
  private static String ref;
  private static String manifestDigest;
  private static long layerBytes;
  private static final List<String> layerDigests = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    root = Files.createTempDirectory(Path.of("/tmp"), "bgpull-it-");
    // Skips the class, loudly and with the apt command, when docker-registry is not installed.
    registry = TestRegistry.start(Files.createDirectory(root.resolve("registry")));

    byte[] blob = new byte[3 << 20]; // incompressible, so the download has a size worth printing
    new Random(7).nextBytes(blob);
    byte[] base =
        TarLayers.layer()
            .dir("usr/bin", 0755)
            .file("usr/bin/tool", "#!/bin/sh\n", 04755, 0, 0)
            .file("etc/shadow", "root:*:", 0640, 0, 42)
            .dir("dev", 0755)
            .charDevice("dev/null", 1, 3, 0666)
            .file("etc/gone", "removed by the top layer", 0644, 0, 0)
            .dir("opt/app", 0755)
            .file("opt/app/old", "old", 0644, 0, 0)
            .dir("srv", 0755)
            .file("srv/blob.bin", blob, 0600, 0, 0)
            .build(TarLayers.Compression.GZIP);
    byte[] top =
        TarLayers.layer()
            .whiteout("etc/gone")
            .opaque("opt/app")
            .file("opt/app/new", "new", 0640, 1000, 1000)
            .build(TarLayers.Compression.GZIP);
    layerBytes = base.length + top.length;
    layerDigests.add(Digest.sha256(base).toString());
    layerDigests.add(Digest.sha256(top).toString());
    manifestDigest =
        registry
            .pushImage(
                "test/pull", "v1", List.of(base, top), TarLayers.Compression.GZIP.mediaType())
            .toString();
    ref = registry.host() + "/test/pull:v1";

    state = Files.createDirectory(root.resolve("state"));
    Path cfg = state.resolve("config.toml");
    Files.writeString(cfg, "shutdown_grace_seconds = 5\n");
    log = state.resolve("bangerd.log");
    bangerd = DistBangerd.startAll(RUN, state, cfg, log);
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (bangerd != null && bangerd.isAlive()) {
        bangerd.kill();
        bangerd.waitFor(Duration.ofSeconds(10));
      }
    } finally {
      if (registry != null) {
        registry.close();
      }
      if (root != null) {
        RUN.run(Command.of("rm", "-rf", "--one-file-system", root.toString()).build());
      }
    }
  }

  /**
   * The real CLI with stdout and stderr on pipes. {@code TERM} is set as a terminal's would be, so
   * the plain lines prove the printer looks at the stream, not at the variable.
   */
  private static CommandResult banger(String... args) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of(DIST.resolve("bin/banger").toString(), "--state-dir", state.toString()));
    argv.addAll(List.of(args));
    return RUN.run(Command.of(argv).env("TERM", "xterm-256color").timeout(PULL_TIMEOUT).build());
  }

  private static String both(CommandResult r) {
    return "exit " + r.exitCode() + "\nstdout:\n" + r.stdoutText() + "stderr:\n" + r.stderrText();
  }

  /** {@code image list -o json}, parsed. */
  private static List<JsonObject> images() throws Exception {
    CommandResult r = banger("image", "list", "-o", "json");
    assertEquals(0, r.exitCode(), both(r));
    assertEquals("", r.stderrText(), "a list writes nothing to stderr");
    List<JsonObject> out = new ArrayList<>();
    for (JsonElement e : JsonParser.parseString(r.stdoutText()).getAsJsonArray()) {
      out.add(e.getAsJsonObject());
    }
    return out;
  }

  private static JsonObject image(String name) throws Exception {
    return images().stream()
        .filter(i -> i.get("name").getAsString().equals(name))
        .findFirst()
        .orElse(null);
  }

  private static String debugfsStat(Path rootfs, String path) throws Exception {
    String debugfs =
        Stream.of("/usr/sbin/debugfs", "/sbin/debugfs")
            .filter(p -> Files.isExecutable(Path.of(p)))
            .findFirst()
            .orElse("debugfs");
    CommandResult r = RUN.run(Command.of(debugfs, "-R", "stat " + path, rootfs.toString()).build());
    return r.stdoutText() + r.stderrText();
  }

  private static String field(String stat, String regex) {
    Matcher m = Pattern.compile(regex).matcher(stat);
    assertTrue(m.find(), regex + " in:\n" + stat);
    return m.group(1);
  }

  @Test
  @Order(1)
  void pullPrintsOnePlainLinePerStepAndTheNameOnStdout() throws Exception {
    CommandResult r = banger("image", "pull", ref, "--name", "pulled");
    System.out.println(
        "[CliImagePullIT] banger image pull "
            + ref
            + " --name pulled\n"
            + r.stderrText().indent(2)
            + "  (stdout) "
            + r.stdoutText().strip());
    assertEquals(0, r.exitCode(), both(r));
    assertEquals("pulled\n", r.stdoutText(), "stdout is the result alone");
    String err = r.stderrText();
    assertFalse(err.contains("\r"), "no redrawn line when stderr is not a terminal:\n" + err);
    String any = "[^\\n]*";
    List<String> expected =
        List.of(
            "\\[1/8\\] resolving " + Pattern.quote(ref),
            "\\[2/8\\] fetching 2 layers \\("
                + layerBytes
                + " bytes\\) 0 B/"
                + Pattern.quote(human(layerBytes)),
            "\\[3/8\\] applying layer 1/2 \\(" + Pattern.quote(layerDigests.get(0)) + "\\)",
            "\\[3/8\\] applying layer 2/2 \\(" + Pattern.quote(layerDigests.get(1)) + "\\)",
            // No init here: the first such pull on a host builds banger's guest kit.
            "\\[4/8\\] no systemd: banger's guest kit is its init and SSH server; no C library"
                + any,
            "\\[4/8\\] building banger's guest kit: mmdebstrap busybox-static, dropbear-bin" + any,
            "\\[4/8\\] banger's guest kit 1-[0-9a-f]{12} built: \\d+ entries, \\d+ bytes",
            "\\[5/8\\] mkfs\\.ext4 -d: \\d+ entries, 1073741824 bytes",
            "\\[6/8\\] restoring owners and modes",
            "\\[7/8\\] building the work-seed \\(disk-service\\)",
            "\\[8/8\\] \\d+ owners restored, 1 device node" + any);
    List<String> lines = err.lines().toList();
    assertEquals(
        expected.size(), lines.size(), "one line per step, no byte-count updates:\n" + err);
    for (int i = 0; i < expected.size(); i++) {
      assertTrue(
          lines.get(i).matches(expected.get(i)),
          "line "
              + (i + 1)
              + " is "
              + lines.get(i)
              + ", expected /"
              + expected.get(i)
              + "/\n"
              + err);
    }
  }

  @Test
  @Order(2)
  void listAndShowReportThePulledImage() throws Exception {
    JsonObject img = image("pulled");
    assertNotNull(img, "image list -o json has it: " + images());
    assertEquals("oci", img.get("source").getAsString());
    assertEquals(ref, img.get("origin").getAsString());
    assertEquals(
        manifestDigest, img.get("digest").getAsString(), "the manifest digest the registry holds");
    assertEquals(
        1L << 30, img.get("rootfs_size_bytes").getAsLong(), "a small image gets the 1 GiB minimum");
    assertEquals(layerBytes, img.get("download_bytes").getAsLong(), "the two gzip layers' bytes");
    assertTrue(img.get("managed").getAsBoolean());
    assertEquals(0, img.get("vm_references").getAsInt());
    Path rootfs = Path.of(img.get("rootfs_path").getAsString());
    assertTrue(rootfs.startsWith(state), rootfs + " is under the state directory");
    assertTrue(
        Files.isRegularFile(rootfs)
            && Files.isRegularFile(Path.of(img.get("work_seed_path").getAsString())));

    CommandResult table = banger("image", "list");
    assertEquals(0, table.exitCode(), both(table));
    assertTrue(
        table
            .stdoutText()
            .lines()
            .anyMatch(
                l -> l.matches("pulled\\s+oci\\s+1\\.0 GiB\\s+-\\s+0\\s+.*" + Pattern.quote(ref))),
        table.stdoutText());

    CommandResult show = banger("image", "show", "pulled");
    assertEquals(0, show.exitCode(), both(show));
    String s = show.stdoutText();
    assertTrue(s.contains("name:     pulled\n"), s);
    assertTrue(s.contains("id:       " + img.get("id").getAsString() + "\n"), s);
    assertTrue(s.contains("source:   oci " + ref + "\n"), s);
    assertTrue(s.contains("digest:   " + manifestDigest + "\n"), s);
    assertTrue(s.contains("rootfs:   1.0 GiB, " + rootfs + "\n"), s);
    assertTrue(s.contains("download: " + human(layerBytes) + "\n"), s);
    // A toy image with no init: its VMs boot banger's guest kit, and show says why.
    assertTrue(s.contains("boots:    banger's guest kit (init and SSH server)\n"), s);
    assertTrue(
        s.contains("          - no systemd: banger's guest kit is its init and SSH server\n"), s);
    CommandResult byId = banger("image", "show", img.get("id").getAsString(), "-o", "json");
    assertEquals(0, byId.exitCode(), both(byId));
    assertEquals(
        img, JsonParser.parseString(byId.stdoutText()), "show -o json by id is the list's record");
  }

  @Test
  @Order(3)
  void theRootfsHasTheLayersModesOwnersDeviceAndWhiteouts() throws Exception {
    Path rootfs = Path.of(image("pulled").get("rootfs_path").getAsString());
    String tool = debugfsStat(rootfs, "/usr/bin/tool");
    assertEquals("04755", field(tool, "Mode:\\s+(\\d+)"), tool);
    assertEquals("0", field(tool, "User:\\s+(\\d+)"), tool);
    String shadow = debugfsStat(rootfs, "/etc/shadow");
    assertEquals("0640", field(shadow, "Mode:\\s+(\\d+)"), shadow);
    assertEquals("42", field(shadow, "Group:\\s+(\\d+)"), shadow);
    String dev = debugfsStat(rootfs, "/dev/null");
    assertTrue(dev.contains("Type: character special"), dev);
    String app = debugfsStat(rootfs, "/opt/app/new");
    assertEquals("1000", field(app, "User:\\s+(\\d+)"), app);
    assertEquals("0640", field(app, "Mode:\\s+(\\d+)"), app);
    assertTrue(
        debugfsStat(rootfs, "/etc/gone").contains("not found"), "the whiteout removed /etc/gone");
    assertTrue(
        debugfsStat(rootfs, "/opt/app/old").contains("not found"),
        "the opaque directory hid /opt/app/old");
    assertEquals(
        String.valueOf(3 << 20), field(debugfsStat(rootfs, "/srv/blob.bin"), "Size:\\s+(\\d+)"));
  }

  @Test
  @Order(4)
  void quietPrintsOnlyTheName() throws Exception {
    CommandResult fresh = banger("image", "pull", "-q", ref, "--name", "quiet");
    assertEquals(0, fresh.exitCode(), both(fresh));
    assertEquals("quiet\n", fresh.stdoutText());
    assertEquals("", fresh.stderrText(), "-q: no progress at all");
    JsonElement id = image("pulled").get("id");
    CommandResult again = banger("image", "pull", "--quiet", ref, "--name", "pulled");
    assertEquals(0, again.exitCode(), both(again));
    assertEquals("pulled\n", again.stdoutText(), "the same pull again answers the existing image");
    assertEquals("", again.stderrText());
    assertEquals(id, image("pulled").get("id"), "the same image, not a new one");
    CommandResult rm = banger("image", "rm", "quiet");
    assertEquals(0, rm.exitCode(), both(rm));
  }

  /**
   * Under a real terminal ({@code script} gives the CLI a pty): the progress line is redrawn in
   * place there, but with stderr sent to a file the file gets plain lines though stdout is still
   * the terminal. The printer decides by stderr, where progress goes.
   */
  @Test
  @Order(5)
  void onATerminalStagesAreRedrawnThenKeptAndStderrToAFileStillGetsPlainLines() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/script")),
        "SKIPPED LOUDLY: /usr/bin/script (bsdutils) is missing");
    String cli =
        "'"
            + DIST.resolve("bin/banger")
            + "' --state-dir '"
            + state
            + "' image pull '"
            + ref
            + "' --name ";
    Path errFile = root.resolve("pull-stderr.log");
    CommandResult toFile = underPty(cli + "tty-log 2>'" + errFile + "'");
    assertEquals(0, toFile.exitCode(), both(toFile));
    assertTrue(
        toFile.stdoutText().contains("tty-log"),
        "the name on the terminal: " + toFile.stdoutText());
    String logged = Files.readString(errFile);
    assertFalse(logged.contains("\r"), "a log file gets no redrawn line:\n" + logged);
    assertEquals(9, logged.lines().count(), logged);
    assertTrue(logged.startsWith("[1/8] resolving " + ref + "\n[2/8] fetching 2 layers"), logged);

    CommandResult screen = underPty(cli + "tty-screen");
    assertEquals(0, screen.exitCode(), both(screen));
    String tty = screen.stdoutText();
    System.out.println(
        "[CliImagePullIT] on a terminal: " + tty.replace("\r", "\\r").replace("\n", "\\n"));
    // A stage list: each stage redrawn in place with its timer while it runs, then drawn once
    // more with the time it took and left on its own line; every line cut to the terminal.
    assertTrue(tty.contains("\r[1/8] resolving " + ref + "  "), "the running stage: " + tty);
    assertTrue(
        tty.matches("(?s).*\\r\\[1/8\\] resolving [^\\r]*\\(\\d+\\.\\d s\\)\u001b\\[K\\r?\\n.*"),
        "the stage, ended with its time on a line of its own: " + tty);
    assertTrue(tty.contains("\r[8/8] "), tty);
    assertEquals(
        9, tty.chars().filter(c -> c == '\n').count(), "one line per stage, then the name: " + tty);
    for (String drawn : tty.split("\r")) {
      String line = drawn.replace("\u001b[K", "").replace("\n", "");
      assertTrue(line.length() < 80, "no line wider than the terminal: '" + line + "'");
    }
    assertTrue(tty.endsWith("tty-screen\r\n"), tty);
    CommandResult rm = banger("image", "rm", "tty-log", "tty-screen");
    assertEquals(0, rm.exitCode(), both(rm));
  }

  /**
   * Runs a shell command line with a pty as its terminal (stdin, stdout, stderr); its screen comes
   * back as stdout.
   */
  private static CommandResult underPty(String commandLine) throws Exception {
    return RUN.run(
        Command.of("/usr/bin/script", "-qec", commandLine, "/dev/null")
            .env("TERM", "xterm-256color")
            .timeout(PULL_TIMEOUT)
            .build());
  }

  @Test
  @Order(6)
  void aMissingTagFailsWithOneSentenceNamingTheReferenceAndLeavesNoImage() throws Exception {
    String missing = registry.host() + "/test/pull:nope";
    CommandResult r = banger("image", "pull", missing, "--name", "ghost");
    System.out.println(
        "[CliImagePullIT] banger image pull " + missing + "\n" + r.stderrText().indent(2));
    assertEquals(1, r.exitCode(), both(r));
    assertEquals("", r.stdoutText(), "no name on stdout when the pull failed");
    List<String> errors = r.stderrText().lines().filter(l -> l.startsWith("banger: ")).toList();
    assertEquals(1, errors.size(), r.stderrText());
    String sentence = errors.getFirst();
    assertEquals(
        sentence, r.stderrText().lines().toList().getLast(), "the error is the last thing printed");
    assertTrue(sentence.contains(missing), "names the reference: " + sentence);
    assertTrue(sentence.contains("not found"), sentence);
    assertFalse(sentence.contains("Exception") || sentence.contains("\tat "), sentence);
    assertNull(image("ghost"), "no image row for a failed pull");
    assertEquals(
        List.of("pulled"), images().stream().map(i -> i.get("name").getAsString()).toList());
    Path staging = state.resolve("lib/images/.staging");
    if (Files.isDirectory(staging)) {
      try (Stream<Path> s = Files.list(staging)) {
        assertEquals(List.of(), s.toList(), "nothing staged is left");
      }
    }
  }

  @Test
  @Order(7)
  void deleteRemovesTheImageAndItsFiles() throws Exception {
    JsonObject img = image("pulled");
    Path dir = Path.of(img.get("rootfs_path").getAsString()).getParent();
    CommandResult r = banger("image", "delete", "pulled");
    assertEquals(0, r.exitCode(), both(r));
    assertEquals("pulled deleted\n", r.stdoutText());
    assertEquals(List.of(), images());
    assertFalse(Files.exists(dir), dir + " is gone");
    CommandResult show = banger("image", "show", "pulled");
    assertEquals(1, show.exitCode(), both(show));
    assertTrue(
        show.stderrText().startsWith("banger: ")
            && show.stderrText().contains("pulled")
            && show.stderrText().contains("'banger image list'"),
        show.stderrText());
  }

  /**
   * Debian's kernel from the mirror, installed by apt in mmdebstrap: vmlinux extracted, the initrd
   * its package's hooks made, and the modules tree; the pull's work files are gone afterwards. An
   * entry that is not in the catalog names the ones that are.
   */
  @Test
  @Order(8)
  void kernelPullInstallsDebiansKernelFromTheMirror() throws Exception {
    CommandResult r =
        RUN.run(
            Command.of(
                    DIST.resolve("bin/banger").toString(),
                    "--state-dir",
                    state.toString(),
                    "kernel",
                    "pull",
                    "debian-bookworm",
                    "--name",
                    "deb")
                .timeout(Duration.ofMinutes(12))
                .build());
    assertEquals(0, r.exitCode(), both(r));
    assertEquals("deb\n", r.stdoutText());
    for (String step :
        List.of(
            "[1/8] catalog entry debian-bookworm",
            "[2/8] mmdebstrap: linux-image-amd64 from bookworm",
            "[3/8] taking the kernel's files",
            "[5/8] decompressing",
            "[8/8] kernel deb (")) {
      assertTrue(r.stderrText().contains(step), step + " reported:\n" + r.stderrText());
    }
    assertFalse(
        r.stderrText().lines().anyMatch(l -> l.matches("\\[\\d+/\\d+\\] +[IW]: .*")),
        "mmdebstrap's own lines are shown only with -v:\n" + r.stderrText());
    JsonObject k =
        JsonParser.parseString(banger("kernel", "show", "deb", "-o", "json").stdoutText())
            .getAsJsonObject();
    String version = k.get("version").getAsString();
    assertTrue(version.matches("6\\.[0-9]+\\.[0-9]+-[0-9]+-amd64"), version);
    byte[] elf = Files.readAllBytes(Path.of(k.get("vmlinux_path").getAsString()));
    assertEquals("\u007fELF", new String(elf, 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1));
    assertTrue(
        Files.size(Path.of(k.get("initrd_path").getAsString())) > (4 << 20),
        "an initrd made by initramfs-tools");
    Path modules = Path.of(k.get("modules_path").getAsString()).resolve("lib/modules/" + version);
    assertTrue(Files.isRegularFile(modules.resolve("modules.dep")), modules.toString());
    try (Stream<Path> virtio = Files.walk(modules.resolve("kernel/drivers/block"))) {
      assertTrue(
          virtio.anyMatch(p -> p.getFileName().toString().startsWith("virtio_blk.ko")),
          "virtio_blk among the modules");
    }
    Path staging =
        Path.of(k.get("vmlinux_path").getAsString()).getParent().resolveSibling(".staging");
    try (Stream<Path> left = Files.exists(staging) ? Files.list(staging) : Stream.empty()) {
      assertEquals(List.of(), left.toList(), "the pull's work files are gone");
    }

    CommandResult unknown = banger("kernel", "pull", "debian-potato");
    assertEquals(1, unknown.exitCode(), both(unknown));
    assertTrue(
        unknown.stderrText().contains("kernels come from the debian entries: debian-bookworm"),
        both(unknown));
    assertEquals(0, banger("kernel", "delete", "deb").exitCode());
  }

  /**
   * A catalog entry written into the config file while bangerd runs counts from the next pull:
   * before, the name is unknown; after, its recipe is built (and fails here on purpose, on a
   * package the mirror lacks, so the test stays short).
   */
  @Test
  @Order(9)
  void aCatalogEntryAddedToTheConfigCountsWithoutARestart() throws Exception {
    CommandResult before = banger("image", "pull", "-q", "latecomer");
    assertEquals(1, before.exitCode(), both(before));
    assertTrue(
        before.stderrText().contains("the catalog has no image \"latecomer\""), both(before));
    Path cfg = state.resolve("config.toml");
    Files.writeString(
        cfg,
        Files.readString(cfg)
            + "\n[image.catalog.latecomer.debian]\nsuite = \"bookworm\"\n"
            + "variant = \"essential\"\npackages = [\"banger-no-such-package\"]\n");
    CommandResult after = banger("image", "pull", "-q", "latecomer");
    assertEquals(1, after.exitCode(), both(after));
    assertTrue(after.stderrText().contains("banger-no-such-package"), both(after));
    assertFalse(after.stderrText().contains("the catalog has no image"), both(after));
  }

  @Test
  @Order(10)
  void bangerdStopsOnSigtermAndLeavesNoProcess() throws Exception {
    List<ProcessHandle> children =
        ProcessHandle.of(bangerd.pid()).map(p -> p.descendants().toList()).orElse(List.of());
    assertEquals(
        List.of(),
        children.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList(),
        "no mkfs, debugfs or other child outlives its pull");
    bangerd.terminate();
    var code = bangerd.waitFor(Duration.ofSeconds(30));
    assertTrue(code.isPresent(), "bangerd still running 30 s after SIGTERM");
    assertEquals(143, code.get(), Files.readString(log));
    CommandResult left = RUN.run(Command.of("pgrep", "-f", state.toString()).build());
    assertEquals("", left.stdoutText(), "processes still naming the state directory");
  }

  /**
   * The CLI's own rendering of a size (Sizes.human), repeated here so the test reads on its own.
   */
  private static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0
        ? bytes + " B"
        : String.format(java.util.Locale.ROOT, v >= 10 ? "%.0f %s" : "%.1f %s", v, units[u]);
  }
}
