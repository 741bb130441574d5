package dev.banger.bangerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.api.image.v1.GuestBoot;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.PullImageResponse;
import dev.banger.image.testing.TarLayers;
import dev.banger.image.testing.TestRegistry;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.state.ServiceName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * banger's guest kit end to end (docs/guest-kit.md): an image with no init, no SSH server and no C
 * library (busybox alone, built here and pushed to a registry on loopback) is pulled, the pull
 * builds the kit from Debian's mirror, and {@code vm run --rm -- cmd} boots it under QEMU, runs the
 * command over SSH as root and stops it cleanly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GuestKitIT {

  private static final String NETNS = "bgkit-it";
  private static final String BUSYBOX_IMAGE = "bb";
  private static final String MINBASE_IMAGE = "minbase";
  private static final String WEB_IMAGE = "web";
  private static final String BROKEN_IMAGE = "broken";
  private static final String NO_UDEV_IMAGE = "no-udev";
  private static final String REGISTERED_IMAGE = "made-by-hand";

  private static Path registryDir;
  private static TestRegistry registry;
  private static BootedStack booted;
  private static final List<String> pullStages = new ArrayList<>();
  private static final List<String> pullMessages = new ArrayList<>();

  @BeforeAll
  static void setUp() throws Exception {
    Path busybox = Path.of("/bin/busybox");
    assumeTrue(
        Files.isRegularFile(busybox)
            && VmStack.RUN
                .run(Command.of("file", "-b", busybox.toString()).build())
                .stdoutText()
                .contains("static"),
        "SKIPPED LOUDLY: needs a static /bin/busybox (apt-get install busybox-static file)");
    registryDir = Files.createTempDirectory(Path.of("/tmp"), "bgkit-reg-");
    registry = TestRegistry.start(registryDir);
    registry.pushImage(
        "test/busybox",
        "v1",
        List.of(busyboxLayer(Files.readAllBytes(busybox))),
        TarLayers.Compression.GZIP.mediaType());
    String ref = registry.host() + "/test/busybox:v1";
    // A server image: its CMD is busybox's httpd on 8080, as the user www, in /www.
    registry.pushImageWithRunConfig(
        "test/web",
        "v1",
        List.of(
            busyboxLayer(Files.readAllBytes(busybox)),
            TarLayers.layer()
                .file(
                    "etc/passwd",
                    "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/www:/bin/sh\n",
                    0644,
                    0,
                    0)
                .file("etc/group", "root:x:0:\nwww:x:33:\n", 0644, 0, 0)
                .dir("www", 0755, 33, 33)
                .file("www/index.html", "hello from the image's own command\n", 0644, 33, 33)
                .symlink("bin/httpd", "busybox")
                .build(TarLayers.Compression.GZIP)),
        TarLayers.Compression.GZIP.mediaType(),
        java.util.Map.of(
            "Env", List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=hi"),
            "Entrypoint", List.of("httpd", "-f"),
            "Cmd", List.of("-p", "8080", "-h", "/www"),
            "WorkingDir", "/www",
            "User", "www"));
    // A broken one: its program is not in the image.
    registry.pushImageWithRunConfig(
        "test/broken",
        "v1",
        List.of(busyboxLayer(Files.readAllBytes(busybox))),
        TarLayers.Compression.GZIP.mediaType(),
        java.util.Map.of("Cmd", List.of("/usr/bin/nginx", "-g", "daemon off;")));
    // Debian minbase: glibc, bash and apt, but no systemd and no sshd, as debian:bookworm is.
    byte[] minbase = minbase();
    registry.pushImage(
        "test/minbase", "v1", List.of(minbase), TarLayers.Compression.NONE.mediaType());
    String minbaseRef = registry.host() + "/test/minbase:v1";
    // systemd and OpenSSH's server but no udev, as a debootstrap'd Debian often is: its systemd
    // would wait for a work-disk device only udev announces.
    byte[] noUdev = minbase("--include=systemd-sysv,openssh-server");
    registry.pushImage(
        "test/no-udev", "v1", List.of(noUdev), TarLayers.Compression.NONE.mediaType());
    booted =
        BootedStack.start(
            NETNS,
            "GuestKitIT",
            "",
            false,
            false,
            (images, kernel) -> {
              long t0 = System.nanoTime();
              Iterator<PullImageResponse> it =
                  images
                      .withDeadlineAfter(15, TimeUnit.MINUTES)
                      .pullImage(
                          PullImageRequest.newBuilder()
                              .setReference(ref)
                              .setName(BUSYBOX_IMAGE)
                              .build());
              while (it.hasNext()) {
                PullImageResponse r = it.next();
                if (r.hasProgress()) {
                  if (!pullStages.contains(r.getProgress().getStage())) {
                    pullStages.add(r.getProgress().getStage());
                  }
                  pullMessages.add(
                      r.getProgress().getStage() + ": " + r.getProgress().getMessage());
                }
              }
              System.out.printf(
                  "[GuestKitIT] busybox image pulled (kit built) in %d ms%n",
                  (System.nanoTime() - t0) / 1_000_000);
              for (String[] p :
                  List.of(
                      new String[] {registry.host() + "/test/web:v1", WEB_IMAGE},
                      new String[] {registry.host() + "/test/broken:v1", BROKEN_IMAGE},
                      new String[] {registry.host() + "/test/no-udev:v1", NO_UDEV_IMAGE})) {
                BootedStack.last(
                    images
                        .withDeadlineAfter(15, TimeUnit.MINUTES)
                        .pullImage(
                            PullImageRequest.newBuilder()
                                .setReference(p[0])
                                .setName(p[1])
                                .build()));
              }
              registerAndPromote(images);
              long t1 = System.nanoTime();
              BootedStack.last(
                  images
                      .withDeadlineAfter(15, TimeUnit.MINUTES)
                      .pullImage(
                          PullImageRequest.newBuilder()
                              .setReference(minbaseRef)
                              .setName(MINBASE_IMAGE)
                              .build()));
              System.out.printf(
                  "[GuestKitIT] minbase image pulled in %d ms%n",
                  (System.nanoTime() - t1) / 1_000_000);
            });
  }

  /**
   * As a user would make one: mmdebstrap with systemd, udev and OpenSSH's server into a directory,
   * mkfs.ext4 of it, then RegisterImage and PromoteImage. It has none of banger's guest units, so
   * its systemd would never configure the network: the registration says it boots the kit.
   */
  private static void registerAndPromote(ImageServiceGrpc.ImageServiceBlockingStub images)
      throws Exception {
    Path root = registryDir.resolve("hand-made");
    VmStack.RUN.check(
        Command.of(
                "mmdebstrap",
                "--mode=unshare",
                "--variant=minbase",
                "--include=systemd-sysv,udev,openssh-server",
                "--format=directory",
                "bookworm",
                root.toString(),
                "http://deb.debian.org/debian")
            .timeout(java.time.Duration.ofMinutes(10))
            .build());
    Path file = registryDir.resolve("hand-made.ext4");
    VmStack.RUN.check(
        Command.of("mkfs.ext4", "-q", "-F", "-d", root.toString(), file.toString(), "2G").build());
    VmStack.RUN.check(Command.of("rm", "-rf", "--one-file-system", root.toString()).build());
    Image registered =
        images
            .registerImage(
                dev.banger.api.image.v1.RegisterImageRequest.newBuilder()
                    .setName(REGISTERED_IMAGE)
                    .setRootfsPath(file.toString())
                    .build())
            .getImage();
    assertEquals(GuestBoot.GUEST_BOOT_KIT, registered.getGuestBoot());
    BootedStack.last(
        images
            .withDeadlineAfter(10, TimeUnit.MINUTES)
            .promoteImage(
                dev.banger.api.image.v1.PromoteImageRequest.newBuilder()
                    .setImage(REGISTERED_IMAGE)
                    .build()));
  }

  /** A Debian bookworm minbase tarball from the mirror, with {@code more} mmdebstrap options. */
  private static byte[] minbase(String... more) throws Exception {
    List<String> argv =
        new ArrayList<>(List.of("mmdebstrap", "--mode=unshare", "--variant=minbase"));
    argv.addAll(List.of(more));
    argv.addAll(List.of("--format=tar", "bookworm", "-", "http://deb.debian.org/debian"));
    return VmStack.RUN
        .check(Command.of(argv).timeout(java.time.Duration.ofMinutes(10)).build())
        .stdout();
  }

  @AfterAll
  static void tearDown() throws Exception {
    try {
      if (booted != null) {
        booted.close();
      }
    } finally {
      if (registry != null) {
        registry.close();
      }
      if (registryDir != null) {
        VmStack.RUN.run(
            Command.of("rm", "-rf", "--one-file-system", registryDir.toString()).build());
      }
    }
  }

  /**
   * busybox and its applets, root in /etc/passwd, and nothing else: no init, no sshd, no libc. As a
   * registry's busybox image is, plus an os-release the test can recognise.
   */
  static byte[] busyboxLayer(byte[] busybox) {
    TarLayers l =
        TarLayers.layer()
            .dir("bin", 0755)
            .file("bin/busybox", busybox, 0755, 0, 0)
            .dir("etc", 0755)
            .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644, 0, 0)
            .file("etc/group", "root:x:0:\n", 0644, 0, 0)
            .file("etc/os-release", "NAME=\"kit test busybox\"\nID=kit-busybox\n", 0644, 0, 0)
            .dir("root", 0700)
            .dir("tmp", 01777);
    for (String applet :
        List.of(
            "sh",
            "cat",
            "id",
            "ls",
            "tar",
            "mkdir",
            "uname",
            "hostname",
            "date",
            "rm",
            "true",
            "sleep",
            "env",
            "ps",
            "mount",
            "pidof",
            "grep",
            "tr",
            "readlink",
            "wget")) {
      l.symlink("bin/" + applet, "busybox");
    }
    return l.build(TarLayers.Compression.GZIP);
  }

  /** {@code vm run --image IMAGE --name NAME --rm -- sh -c SCRIPT}, through the CLI. */
  private static CommandResult runOnce(String image, String name, String script) throws Exception {
    return booted.banger(
        "vm", "run", "--image", image, "--name", name, "--rm", "--", "sh", "-c", script);
  }

  /** {@code vm exec VM --guest-path /root -- sh -c SCRIPT}, through the CLI. */
  private static CommandResult shIn(String vm, String script) throws Exception {
    return booted.banger("vm", "exec", vm, "--guest-path", "/root", "--", "sh", "-c", script);
  }

  private static Image image(String name) {
    return ImageServiceGrpc.newBlockingStub(booted.stack.channel(ServiceName.IMAGE))
        .withDeadlineAfter(1, TimeUnit.MINUTES)
        .getImage(GetImageRequest.newBuilder().setImage(name).build())
        .getImage();
  }

  @Test
  @Order(1)
  void thePullSaysTheKitIsUsedAndBuildsIt() throws Exception {
    assertTrue(pullStages.contains("kit"), "stages: " + pullStages);
    assertTrue(
        pullMessages.stream().anyMatch(m -> m.contains("no systemd: banger's guest kit")),
        String.join("\n", pullMessages));
    Image img = image(BUSYBOX_IMAGE);
    assertEquals(GuestBoot.GUEST_BOOT_KIT, img.getGuestBoot());
    assertTrue(
        img.getGuestNotesList().stream().anyMatch(n -> n.startsWith("no systemd")),
        img.getGuestNotesList().toString());
    assertTrue(
        img.getGuestNotesList().stream().anyMatch(n -> n.startsWith("no C library")),
        img.getGuestNotesList().toString());
    Path kit = Path.of(img.getKitPath());
    assertTrue(Files.isRegularFile(kit), "kit at " + kit);
    // The kit holds its init, its SSH server pointed at its own loader, and that loader.
    String ls =
        VmStack.RUN
            .check(Command.of("debugfs", "-R", "ls -l /sbin", kit.toString()).build())
            .stdoutText();
    assertTrue(ls.contains("init") && ls.contains("dropbear"), ls);
    Path manifest = kit.resolveSibling("manifest.txt");
    String m = Files.readString(manifest);
    assertTrue(m.contains("lib/ld.so link -> ld-linux-x86-64.so.2"), m);
    assertTrue(m.contains("libexec/pid1 file rwxr-xr-x"), m);
    System.out.printf("[GuestKitIT] kit %s: %d bytes%n", kit, Files.size(kit));
  }

  @Test
  @Order(2)
  void aBusyboxImageBootsTheKitAndRunsACommandAsRoot() throws Exception {
    long t0 = System.nanoTime();
    CommandResult r =
        runOnce(
            BUSYBOX_IMAGE,
            "kit-bb",
            "id; cat /etc/os-release || true; mountpoint /root 2>/dev/null || grep ' /root ' /proc/mounts");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    String out = r.stdoutText() + r.stderrText();
    System.out.printf("[GuestKitIT] vm run --rm on the kit: %d ms%n", ms);
    assertEquals(0, r.exitCode(), out);
    assertTrue(out.contains("uid=0(root) gid=0(root)"), out);
    assertTrue(out.contains("ID=kit-busybox"), out);
    assertTrue(out.contains("/dev/vdb /root ext4"), "the work disk is /root, by device: " + out);
    // --rm removed it: nothing of the VM is left.
    CommandResult list = booted.banger("vm", "list", "-o", "json");
    assertFalse(list.stdoutText().contains("kit-bb"), list.stdoutText());
  }

  @Test
  @Order(3)
  void aDebianImageWithoutSystemdOrSshdRunsCommandsWithItsOwnLibraries() throws Exception {
    Image img = image(MINBASE_IMAGE);
    assertEquals(GuestBoot.GUEST_BOOT_KIT, img.getGuestBoot());
    assertEquals(
        List.of("no systemd: banger's guest kit is its init and SSH server"),
        img.getGuestNotesList());
    long t0 = System.nanoTime();
    CommandResult r =
        runOnce(
            MINBASE_IMAGE,
            "kit-minbase",
            "id; . /etc/os-release; echo \"ID=$ID\"; echo \"LDP=[$LD_LIBRARY_PATH]\";"
                + " bash -c 'echo bash $BASH_VERSION'; cat /proc/1/cmdline | tr '\\0' ' '");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    String out = r.stdoutText() + r.stderrText();
    System.out.printf("[GuestKitIT] vm run --rm on minbase with the kit: %d ms%n", ms);
    assertEquals(0, r.exitCode(), out);
    assertTrue(out.contains("uid=0(root) gid=0(root)"), out);
    assertTrue(out.contains("ID=debian"), out);
    // dropbear runs on the kit's libraries, the session on the image's: nothing leaks.
    assertTrue(out.contains("LDP=[]"), out);
    assertTrue(out.contains("bash 5."), out);
    assertTrue(out.contains("/.banger/libexec/pid1"), "the kit's PID 1: " + out);
  }

  @Test
  @Order(4)
  void aServerImagesOwnCommandIsUpWhenRunDetachedReturns() throws Exception {
    Image img = image(WEB_IMAGE);
    assertEquals(
        List.of("httpd", "-f", "-p", "8080", "-h", "/www"), img.getCommand().getArgvList());
    assertEquals(33, img.getCommand().getUid());
    assertEquals("", img.getCommand().getProblem());
    assertTrue(
        img.getGuestNotesList().stream()
            .anyMatch(n -> n.startsWith("runs [httpd, -f, -p, 8080, -h, /www] as uid 33 in /www")),
        img.getGuestNotesList().toString());

    CommandResult r = booted.banger("vm", "run", "-d", "--image", WEB_IMAGE, "--name", "kit-web");
    assertEquals(0, r.exitCode(), r.stdoutText() + r.stderrText());
    try {
      String ip = vmIp("kit-web");
      String gateway = ip.substring(0, ip.lastIndexOf('.')) + ".1";
      CommandResult dns =
          booted.stack.inNetns(
              java.time.Duration.ofSeconds(20), "dig", "+short", "@" + gateway, "kit-web.vm");
      assertEquals(ip, dns.stdoutText().strip(), "kit-web.vm resolves");
      // Up when run -d returned; a few tries for the listen itself.
      CommandResult page = null;
      for (int i = 0; i < 20; i++) {
        page =
            booted.stack.inNetns(
                java.time.Duration.ofSeconds(10),
                "curl",
                "-sS",
                "--max-time",
                "5",
                "--resolve",
                "kit-web.vm:8080:" + ip,
                "http://kit-web.vm:8080/");
        if (page.succeeded()) {
          break;
        }
        Thread.sleep(500);
      }
      assertEquals("hello from the image's own command\n", page.stdoutText(), page.stderrText());
      // As the image's user, with the image's environment and directory.
      CommandResult ps =
          shIn(
              "kit-web",
              "p=$(pidof httpd); grep -E '^(Uid|Gid):' /proc/$p/status;"
                  + " tr '\\0' '\\n' < /proc/$p/environ; readlink /proc/$p/cwd;"
                  + " echo \"exe=$(readlink /proc/$p/exe)\"");
      String out = ps.stdoutText() + ps.stderrText();
      assertTrue(out.matches("(?s).*Uid:\\s+33\\s+33.*"), out);
      assertTrue(out.matches("(?s).*Gid:\\s+33\\s+33.*"), out);
      assertTrue(out.contains("GREETING=hi"), out);
      assertTrue(out.contains("HOME=/\n"), out);
      assertTrue(out.contains("/www\n"), out);
      // The image's own httpd, run by the path it resolved to, not the kit's busybox applet.
      assertTrue(out.contains("exe=/bin/busybox\n"), out);
      assertFalse(out.contains("LD_LIBRARY_PATH"), out);
      // Commands over SSH get the image's Env too (its PATH among it).
      CommandResult env = shIn("kit-web", "echo \"$GREETING $PATH\"");
      assertEquals("hi /usr/sbin:/usr/bin:/sbin:/bin\n", env.stdoutText(), env.stderrText());

      // A warm start of it: the clone wakes with the image's server running and its own name,
      // set with the kit's tools where the image lacks them (it has no head).
      CommandResult snap = booted.banger("snapshot", "create", "kit-web", "--name", "web-snap");
      assertEquals(0, snap.exitCode(), snap.stdoutText() + snap.stderrText());
      long t0 = System.nanoTime();
      CommandResult clone =
          booted.banger(
              "vm",
              "run",
              "--snapshot",
              "web-snap",
              "--name",
              "kit-web-2",
              "--rm",
              "--",
              "sh",
              "-c",
              "hostname; wget -qO- http://127.0.0.1:8080/");
      System.out.printf(
          "[GuestKitIT] vm run --snapshot of a kit VM: %d ms%n",
          (System.nanoTime() - t0) / 1_000_000);
      assertEquals(0, clone.exitCode(), clone.stdoutText() + clone.stderrText());
      assertEquals(
          "kit-web-2\nhello from the image's own command\n",
          clone.stdoutText(),
          clone.stderrText());
      assertEquals(0, booted.banger("snapshot", "rm", "web-snap").exitCode());
    } finally {
      booted.banger("vm", "delete", "--force", "kit-web");
    }
  }

  @Test
  @Order(5)
  void anImageWhoseProgramIsMissingIsNamedAtPullTimeAndBeforeAnyVm() throws Exception {
    CommandResult r =
        booted.banger("vm", "run", "-d", "--image", BROKEN_IMAGE, "--name", "kit-broken");
    assertEquals(1, r.exitCode(), r.stdoutText() + r.stderrText());
    assertTrue(
        r.stderrText()
            .contains(
                "image broken's own command cannot run: its command's program \"/usr/bin/nginx\""
                    + " is not in the image; give the VM a command: banger vm run --image broken"
                    + " -- CMD"),
        r.stderrText());
    assertFalse(booted.banger("vm", "list", "-o", "json").stdoutText().contains("kit-broken"));
    Image img = image(BROKEN_IMAGE);
    assertEquals(
        "its command's program \"/usr/bin/nginx\" is not in the image",
        img.getCommand().getProblem());
    assertTrue(
        img.getGuestNotesList().stream()
            .anyMatch(n -> n.startsWith("its command cannot run: its command's program")),
        img.getGuestNotesList().toString());
  }

  private static String vmIp(String name) throws Exception {
    CommandResult show = booted.banger("vm", "show", name, "-o", "json");
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"ip(?:_a|A)ddress\"\\s*:\\s*\"([0-9.]+)\"")
            .matcher(show.stdoutText());
    assertTrue(m.find(), show.stdoutText());
    return m.group(1);
  }

  @Test
  @Order(6)
  void systemdWithoutUdevBootsTheKitAndMountsTheWorkDiskByDevice() throws Exception {
    Image img = image(NO_UDEV_IMAGE);
    assertEquals(GuestBoot.GUEST_BOOT_KIT, img.getGuestBoot());
    assertTrue(
        img.getGuestNotes(0).startsWith("systemd without udev: banger's guest kit boots it"),
        img.getGuestNotesList().toString());
    CommandResult r =
        runOnce(
            NO_UDEV_IMAGE,
            "kit-no-udev",
            "id; cat /etc/os-release || true; grep ' /root ' /proc/mounts");
    String out = r.stdoutText() + r.stderrText();
    assertEquals(0, r.exitCode(), out);
    assertTrue(out.contains("uid=0(root) gid=0(root)"), out);
    assertTrue(out.contains("ID=debian"), out);
    assertTrue(out.contains("/dev/vdb /root ext4"), out);
  }

  @Test
  @Order(7)
  void aRootfsMadeByHandRegisteredAndPromotedBootsTheKit() throws Exception {
    Image img = image(REGISTERED_IMAGE);
    assertEquals(GuestBoot.GUEST_BOOT_KIT, img.getGuestBoot());
    assertTrue(img.getManaged(), "promoted");
    assertTrue(
        img.getGuestNotes(0).contains("not banger's guest units"),
        img.getGuestNotesList().toString());
    CommandResult r =
        runOnce(REGISTERED_IMAGE, "kit-by-hand", "id -u; . /etc/os-release; echo \"$ID\"");
    String out = r.stdoutText() + r.stderrText();
    assertEquals(0, r.exitCode(), out);
    assertEquals("0\ndebian\n", r.stdoutText(), out);
  }
}
