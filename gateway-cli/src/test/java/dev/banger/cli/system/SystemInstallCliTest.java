package dev.banger.cli.system;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.cli.CliHarness;
import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.config.ConfigLoader;
import dev.banger.kit.state.ServiceName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code banger system install}: what it writes, what it refuses (writing nothing), what it runs.
 */
class SystemInstallCliTest {

  @TempDir Path scratch;
  SystemFixture f;

  @BeforeEach
  void setUp() throws Exception {
    f = new SystemFixture(scratch);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void writesTheCopyUnitsSysusersTmpfilesConfigAndManifest() throws Exception {
    f.userExists("alice");
    CliHarness.Result r = f.install("alice", "--no-start");
    assertEquals(0, r.code(), r.out() + r.err());
    f.runner.verifyAllConsumed();
    Path prefix = f.prefix();
    Path etc = f.etc();
    assertEquals("rwxr-xr-x", perms(prefix.resolve("bin/bangerd")));
    assertEquals("rw-r--r--", perms(prefix.resolve("lib/a.jar")));
    for (String unit : SystemLayout.UNIT_TEMPLATES) {
      Path u = etc.resolve("systemd/system").resolve(unit);
      String text = Files.readString(u);
      assertEquals("rw-r--r--", perms(u));
      assertTrue(
          text.contains("ExecStart=" + prefix + "/bin/bangerd --service "), unit + ":\n" + text);
      assertFalse(text.contains("@PREFIX@") || text.contains("=/opt/banger"), unit + ":\n" + text);
      assertTrue(
          text.contains("NoNewPrivileges=yes")
              && text.contains("ProtectSystem=strict")
              && text.contains("RestrictAddressFamilies=AF_UNIX"),
          unit);
    }
    assertTrue(
        Files.readString(etc.resolve("systemd/system/banger-vm@.service"))
            .contains("\nKillMode=process\n"));
    String sysusers = Files.readString(etc.resolve("sysusers.d/banger.conf"));
    assertTrue(sysusers.contains("\nm alice      banger\n"), sysusers);
    assertTrue(
        Files.readString(etc.resolve("tmpfiles.d/banger.conf"))
            .contains("d /run/banger                 1775 root"));
    BangerConfig cfg =
        ConfigLoader.parse(Files.readString(etc.resolve("banger/config.toml")), "config.toml");
    assertEquals("alice", cfg.owner());
    for (ServiceName s : ServiceName.values()) {
      assertEquals("banger", cfg.service(s).socketGroup(), s.id());
    }
    InstallManifest m =
        InstallManifest.read(etc.resolve("banger/install-manifest.json")).orElseThrow();
    assertEquals("alice", m.owner());
    assertEquals(
        List.of(
            "banger-disk.service",
            "banger-image.service",
            "banger-net.service",
            "banger-vm@alice.service"),
        m.units());
    List<String> listed =
        m.files().stream()
            .map(e -> f.root.relativize(Path.of(e.path())).toString())
            .sorted()
            .toList();
    List<String> onDisk =
        f.filesUnderRoot().stream().filter(p -> !p.endsWith("install-manifest.json")).toList();
    assertEquals(onDisk, listed, "the manifest lists every file install wrote");
    assertTrue(
        m.dirs().contains(f.root.resolve("opt").toString()) && m.dirs().contains(etc.toString()),
        m.dirs().toString());
    assertTrue(
        r.out().contains("not started (--no-start)")
            && r.out()
                .contains(
                    "systemctl enable banger-disk.service"
                        + " banger-image.service banger-net.service banger-vm@alice.service")
            && r.out()
                .contains(
                    "systemctl restart banger-disk.service"
                        + " banger-image.service banger-net.service banger-vm@alice.service"),
        r.out());
  }

  @Test
  void installingAgainIsIdempotentAndRemovesWhatTheNewOneNoLongerHas() throws Exception {
    Files.writeString(f.home.resolve("lib/old-1.0.jar"), "old");
    f.userExists("alice");
    assertEquals(0, f.install("alice", "--no-start").code());
    Path manifest = f.etc().resolve("banger/install-manifest.json");
    byte[] first = Files.readAllBytes(manifest);
    List<String> firstFiles = f.filesUnderRoot();

    f.userExists("alice");
    CliHarness.Result again = f.install("alice", "--no-start");
    assertEquals(0, again.code(), again.out() + again.err());
    assertArrayEquals(first, Files.readAllBytes(manifest), "same manifest");
    assertEquals(firstFiles, f.filesUnderRoot());
    assertTrue(again.out().contains("config.toml kept"), again.out());

    Files.delete(f.home.resolve("lib/old-1.0.jar"));
    f.userExists("alice");
    CliHarness.Result newer = f.install("alice", "--no-start");
    assertEquals(0, newer.code(), newer.out() + newer.err());
    assertFalse(
        Files.exists(f.prefix().resolve("lib/old-1.0.jar")),
        "a jar the new dist lacks would stay on -cp lib/*");
    assertTrue(newer.out().contains("removed  1 files of the earlier install"), newer.out());
    assertFalse(Files.readString(manifest).contains("old-1.0.jar"));
  }

  @Test
  void aConfigThatIsThereIsNeverOverwrittenNorClaimed() throws Exception {
    Path cfg = Files.createDirectories(f.etc().resolve("banger")).resolve("config.toml");
    Files.writeString(cfg, "owner = \"bob\"\n");
    f.userExists("alice");
    CliHarness.Result r = f.install("alice", "--no-start");
    assertEquals(0, r.code(), r.out() + r.err());
    assertEquals("owner = \"bob\"\n", Files.readString(cfg));
    assertTrue(r.out().contains("its owner is \"bob\", not \"alice\""), r.out());
    assertFalse(
        Files.readString(f.etc().resolve("banger/install-manifest.json")).contains("config.toml"));
  }

  @Test
  void badOwnersAreUsageErrorsAndNothingIsWritten() throws Exception {
    for (String bad : List.of("x;rm", "Alice", "../x", "a b", "", "-rf", "a".repeat(33))) {
      CliHarness.Result r = f.install(bad, "--no-start");
      assertEquals(2, r.code(), bad + ": " + r.out() + r.err());
      assertTrue(r.err().contains("--owner \"" + bad + "\" is not a valid user name"), r.err());
    }
    assertTrue(f.runner.history().isEmpty(), "not even looked up: " + f.runner.history());
    f.runner.expect("getent", "passwd", "nosuchuser").thenReturn(2, "", "");
    CliHarness.Result r = f.install("nosuchuser", "--no-start");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("--owner \"nosuchuser\" is not a user on this host"), r.err());
    assertTrue(f.rootIsEmpty(), f.filesUnderRoot().toString());
  }

  @Test
  void missingOwnerAndBadPrefixesAreUsageErrors() throws Exception {
    CliHarness.Result none = f.system("install", "--etc", f.etc().toString());
    assertEquals(2, none.code());
    assertTrue(none.err().contains("Missing required option: '--owner=USER'"), none.err());
    for (String prefix :
        List.of("opt/banger", "/opt/my banger", "/opt/%i", "/opt/../etc", "/", "/opt/$x")) {
      CliHarness.Result r =
          CliHarness.run(
              f.state,
              "system",
              "install",
              "--owner",
              "alice",
              "--prefix",
              prefix,
              "--etc",
              f.etc().toString());
      assertEquals(2, r.code(), prefix + ": " + r.err());
      assertTrue(r.err().contains("--prefix"), r.err());
    }
    assertTrue(f.rootIsEmpty());
  }

  @Test
  void notRootIsRefusedWithExit1() throws Exception {
    f.host(1000, false, Path.of("/etc"));
    CliHarness.Result r = f.install("alice", "--no-start");
    assertEquals(1, r.code());
    assertTrue(
        r.err()
            .contains("'banger system install' must run as root (effective uid 0), not uid 1000"),
        r.err());
    assertTrue(f.rootIsEmpty());
  }

  @Test
  void withoutSystemdItSaysSoAndPrintsTheCommands() throws Exception {
    f.userExists("alice");
    CliHarness.Result r = f.install("alice");
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(
        r.out()
            .contains(
                "systemd is not running here (PID 1 is init, no /run/systemd/system): the files are"
                    + " installed, nothing was started"),
        r.out());
    assertTrue(
        r.out().contains("  systemd-sysusers " + f.etc().resolve("sysusers.d/banger.conf")),
        r.out());
    f.runner.verifyAllConsumed();
  }

  @Test
  void withSystemdElsewhereThanEtcItStartsNothing() throws Exception {
    f.host(0, true, Path.of("/etc"));
    f.userExists("alice");
    CliHarness.Result r = f.install("alice");
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(
        r.out().contains("not started: systemd reads /etc, and --etc is " + f.etc()), r.out());
    f.runner.verifyAllConsumed();
  }

  @Test
  void withSystemdItCreatesUsersAndDirectoriesAndStartsTheFourUnits() throws Exception {
    f.host(0, true, f.etc());
    f.userExists("alice")
        .expect("systemd-sysusers", f.etc().resolve("sysusers.d/banger.conf").toString())
        .thenSucceed("")
        .expect(
            "systemd-tmpfiles", "--create", f.etc().resolve("tmpfiles.d/banger.conf").toString())
        .thenSucceed("")
        .expect("systemctl", "daemon-reload")
        .thenSucceed("")
        .expect(
            "systemctl",
            "enable",
            "banger-disk.service",
            "banger-image.service",
            "banger-net.service",
            "banger-vm@alice.service")
        .thenSucceed("")
        .expect(
            "systemctl",
            "restart",
            "banger-disk.service",
            "banger-image.service",
            "banger-net.service",
            "banger-vm@alice.service")
        .thenSucceed("");
    CliHarness.Result r = f.install("alice");
    assertEquals(0, r.code(), r.out() + r.err());
    f.runner.verifyAllConsumed();
    assertTrue(r.out().contains("started  banger-disk.service"), r.out());

    // A new owner: the former owner's vm-service instance is stopped first.
    f.userExists("bob")
        .expect("systemctl", "disable", "--now", "banger-vm@alice.service")
        .thenSucceed("")
        .expect("systemd-sysusers", f.etc().resolve("sysusers.d/banger.conf").toString())
        .thenSucceed("")
        .expect(
            "systemd-tmpfiles", "--create", f.etc().resolve("tmpfiles.d/banger.conf").toString())
        .thenSucceed("")
        .expect("systemctl", "daemon-reload")
        .thenSucceed("")
        .expect(
            "systemctl",
            "enable",
            "banger-disk.service",
            "banger-image.service",
            "banger-net.service",
            "banger-vm@bob.service")
        .thenReturn(1, "", "Failed to enable unit: Unit file banger-vm@bob.service is masked.");
    CliHarness.Result bob = f.install("bob");
    assertEquals(1, bob.code(), bob.out() + bob.err());
    assertTrue(
        bob.err()
            .contains(
                "'systemctl enable banger-disk.service banger-image.service banger-net.service"
                    + " banger-vm@bob.service' exited 1: Failed to enable unit"),
        bob.err());
    f.runner.verifyAllConsumed();
  }

  @Test
  void theStartupCacheIsTrainedInPrefixNotCopied() throws Exception {
    // An AOT cache names the jars' paths and a JDK: the one beside the source installation is no
    // use in PREFIX, so it is not copied, and install runs PREFIX's trainer (scripted here).
    Files.writeString(f.home.resolve("lib/banger-cli.aot"), "cache for another place");
    Files.writeString(f.home.resolve("lib/banger-cli.jdk"), "/usr/lib/jvm/x\n");
    Files.writeString(f.home.resolve("lib/.built"), "");
    f.userExists("alice");
    CliHarness.Result r = f.install("alice", "--no-start");
    assertEquals(0, r.code(), r.out() + r.err());
    f.runner.verifyAllConsumed();
    assertTrue(
        r.out().contains("aot      wrote " + f.prefix().resolve("lib/banger-cli.aot")), r.out());
    for (String derived : List.of("lib/banger-cli.aot", "lib/banger-cli.jdk", "lib/.built")) {
      assertFalse(Files.exists(f.prefix().resolve(derived)), derived);
    }
    assertTrue(Files.exists(f.prefix().resolve("lib/a.jar")));
  }

  @Test
  void aPrefixInsideTheInstallationIsRefused() throws Exception {
    f.userExists("alice");
    CliHarness.Result r =
        CliHarness.run(
            f.state,
            "system",
            "install",
            "--owner",
            "alice",
            "--prefix",
            f.home.resolve("sub").toString(),
            "--etc",
            f.etc().toString(),
            "--no-start");
    assertEquals(2, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("are inside one another"), r.err());
    assertTrue(f.rootIsEmpty());
  }
}
