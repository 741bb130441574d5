package dev.banger.bangerd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.state.HostIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The assembled {@code bin/banger system install} as root runs it, into a scratch PREFIX and ETC:
 * the files and their modes, the rendered units accepted by {@code systemd-analyze verify}, install
 * twice, bad owners refused with nothing written, and uninstall (and --purge, with the state roots
 * under the scratch directory) leaving nothing install made.
 */
class SystemInstallIT {

  private static final String DIST_PROPERTY = System.getProperty("banger.dist");
  private static final Path DIST = Path.of(DIST_PROPERTY == null ? "target/dist" : DIST_PROPERTY);
  private static final HostCommandRunner RUN = new HostCommandRunner();
  private static final List<String> UNITS =
      List.of(
          "banger-disk.service",
          "banger-image.service",
          "banger-net.service",
          "banger-vm@.service");

  private Path tmp;
  private Path prefix;
  private Path etc;

  @BeforeEach
  void scratch() throws Exception {
    // Failsafe sets banger.dist after 'package'; Surefire (-Dtest=Sys* matches this class too)
    // would run it against whatever dist an earlier build left.
    Assumptions.assumeTrue(
        DIST_PROPERTY != null, "runs under Failsafe only (banger.dist is not set)");
    Assumptions.assumeTrue(
        HostIdentity.currentUid() == 0, "SKIPPED LOUDLY: system install must run as root");
    tmp = Files.createTempDirectory(Path.of("/tmp"), "sysinst-it-");
    prefix = tmp.resolve("opt/banger");
    etc = tmp.resolve("etc");
  }

  @AfterEach
  void clean() throws Exception {
    if (tmp != null) {
      RUN.run(Command.of("rm", "-rf", "--one-file-system", tmp.toString()).build());
    }
  }

  private static CommandResult banger(String... args) throws Exception {
    return RUN.run(
        Command.of(DIST.resolve("bin/banger").toString(), args)
            .timeout(Duration.ofMinutes(2))
            .build());
  }

  private CommandResult install(String owner, String... more) throws Exception {
    List<String> a =
        new ArrayList<>(
            List.of(
                "system",
                "install",
                "--owner",
                owner,
                "--prefix",
                prefix.toString(),
                "--etc",
                etc.toString()));
    a.addAll(List.of(more));
    return banger(a.toArray(String[]::new));
  }

  private List<String> filesUnder(Path root) throws Exception {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> !Files.isDirectory(p))
          .map(p -> root.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  private static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void installWritesRunnableUnitsThatSystemdAnalyzeAccepts() throws Exception {
    CommandResult r = install("nobody", "--no-start");
    assertEquals(0, r.exitCode(), r.stdoutText() + r.stderrText());
    System.out.println("[SystemInstallIT] install:\n" + r.stdoutText());
    Path bangerd = prefix.resolve("bin/bangerd");
    assertTrue(Files.isRegularFile(bangerd) && Files.isExecutable(bangerd), bangerd.toString());
    assertEquals("rwxr-xr-x", perms(bangerd));
    assertEquals("rwxr-xr-x", perms(prefix.resolve("bin/banger")));
    // The whole installation is copied, but for the CLI's AOT cache, which is trained in PREFIX
    // for PREFIX's paths (one from the source tree would be ignored there).
    List<String> derived = List.of("lib/.built", "lib/banger-cli.aot", "lib/banger-cli.jdk");
    List<String> expected =
        new java.util.ArrayList<>(
            filesUnder(DIST).stream().filter(f -> !derived.contains(f)).toList());
    expected.addAll(List.of("lib/banger-cli.aot", "lib/banger-cli.jdk"));
    java.util.Collections.sort(expected);
    assertEquals(
        expected, filesUnder(prefix), "the whole installation is copied, the AOT cache trained");
    // AOTMode=on makes the JVM fail instead of ignoring a cache it cannot use: this one fits
    // PREFIX.
    CommandResult aot =
        RUN.run(
            Command.of(prefix.resolve("bin/banger").toString(), "version")
                .env("BANGER_JAVA_OPTS", "-XX:AOTMode=on")
                .timeout(Duration.ofMinutes(1))
                .build());
    assertEquals(0, aot.exitCode(), aot.stdoutText() + aot.stderrText());
    assertTrue(aot.stdoutText().startsWith("banger "), aot.stdoutText());
    for (String unit : UNITS) {
      Path u = etc.resolve("systemd/system").resolve(unit);
      assertEquals("rw-r--r--", perms(u), unit);
      assertTrue(Files.readString(u).contains("ExecStart=" + bangerd + " --service "), unit);
    }
    for (String f :
        List.of(
            "sysusers.d/banger.conf",
            "tmpfiles.d/banger.conf",
            "banger/config.toml",
            "banger/install-manifest.json")) {
      assertEquals("rw-r--r--", perms(etc.resolve(f)), f);
    }
    assertTrue(Files.readString(etc.resolve("sysusers.d/banger.conf")).contains("m nobody"));
    assertTrue(Files.readString(etc.resolve("banger/config.toml")).contains("owner = \"nobody\""));
    assertTrue(r.stdoutText().contains("not started (--no-start)"), r.stdoutText());
    verifyUnits();
  }

  /**
   * Every rendered unit, and the vm template as instances for nobody and for root, through
   * systemd-analyze verify.
   */
  private void verifyUnits() throws Exception {
    boolean present =
        RUN.run(Command.of("sh", "-c", "command -v systemd-analyze").build()).succeeded();
    Assumptions.assumeTrue(
        present,
        "SKIPPED LOUDLY: systemd-analyze is missing (apt-get install systemd; .ci/run does)");
    Path units = etc.resolve("systemd/system");
    Path instances = Files.createDirectories(tmp.resolve("instances"));
    List<Path> toVerify = new ArrayList<>();
    for (String u : List.of("banger-disk.service", "banger-image.service", "banger-net.service")) {
      toVerify.add(units.resolve(u));
    }
    for (String owner : List.of("nobody", "root")) {
      toVerify.add(
          Files.copy(
              units.resolve("banger-vm@.service"),
              instances.resolve("banger-vm@" + owner + ".service")));
    }
    for (Path unit : toVerify) {
      CommandResult v =
          RUN.run(
              Command.of("systemd-analyze", "verify", unit.toString())
                  .timeout(Duration.ofMinutes(1))
                  .build());
      String output = v.stdoutText() + v.stderrText();
      System.out.println(
          "[SystemInstallIT] systemd-analyze verify "
              + unit.getFileName()
              + ": exit "
              + v.exitCode()
              + (output.isBlank() ? ", no output" : "\n" + output));
      assertEquals(0, v.exitCode(), unit + ":\n" + output);
      // systemd's own warning for User=nobody names the instance, not a fault of the unit: the
      // banger-vm@root instance of the same template must then verify without any line.
      List<String> aboutBanger =
          output
              .lines()
              .filter(l -> l.contains("banger"))
              .filter(l -> !l.endsWith("Special user nobody configured, this is not safe!"))
              .toList();
      assertEquals(List.of(), aboutBanger, unit.toString());
    }
  }

  @Test
  void installingTwiceWritesTheSameFilesAndManifest() throws Exception {
    assertEquals(0, install("nobody", "--no-start").exitCode());
    byte[] manifest = Files.readAllBytes(etc.resolve("banger/install-manifest.json"));
    List<String> files = filesUnder(tmp);
    CommandResult again = install("nobody", "--no-start");
    assertEquals(0, again.exitCode(), again.stdoutText() + again.stderrText());
    assertArrayEquals(manifest, Files.readAllBytes(etc.resolve("banger/install-manifest.json")));
    assertEquals(files, filesUnder(tmp));
    assertTrue(
        again.stdoutText().contains("config.toml kept (never overwritten)"), again.stdoutText());
  }

  @Test
  void badOwnersAreRefusedAndNothingIsWritten() throws Exception {
    CommandResult bad = install("x;rm", "--no-start");
    assertEquals(2, bad.exitCode(), bad.stdoutText() + bad.stderrText());
    assertTrue(
        bad.stderrText().contains("banger: --owner \"x;rm\" is not a valid user name"),
        bad.stderrText());
    CommandResult unknown = install("nosuchuser", "--no-start");
    assertEquals(2, unknown.exitCode(), unknown.stdoutText() + unknown.stderrText());
    assertTrue(
        unknown.stderrText().contains("banger: --owner \"nosuchuser\" is not a user on this host"),
        unknown.stderrText());
    assertEquals(List.of(), filesUnder(tmp));
  }

  @Test
  void anUnprivilegedUserIsRefusedWithExit1() throws Exception {
    boolean setpriv = RUN.run(Command.of("sh", "-c", "command -v setpriv").build()).succeeded();
    Assumptions.assumeTrue(setpriv, "SKIPPED LOUDLY: setpriv (util-linux) is missing");
    CommandResult r =
        RUN.run(
            Command.of(
                    "setpriv",
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    DIST.resolve("bin/banger").toString(),
                    "system",
                    "install",
                    "--owner",
                    "nobody",
                    "--prefix",
                    prefix.toString(),
                    "--etc",
                    etc.toString())
                .env("BANGER_NO_CDS", "1")
                .timeout(Duration.ofMinutes(2))
                .build());
    assertEquals(1, r.exitCode(), r.stdoutText() + r.stderrText());
    assertTrue(
        r.stderrText().contains("must run as root (effective uid 0), not uid 65534"),
        r.stderrText());
    assertEquals(List.of(), filesUnder(tmp));
  }

  @Test
  void withoutNoStartItSaysWhySystemdStartsNothingAndStillSucceeds() throws Exception {
    CommandResult r = install("nobody");
    assertEquals(0, r.exitCode(), r.stdoutText() + r.stderrText());
    // Here PID 1 is not systemd; on a systemd host the scratch --etc is not the /etc systemd reads.
    assertTrue(
        r.stdoutText().contains("systemd is not running here")
            || r.stdoutText().contains("not started: systemd" + " reads /etc"),
        r.stdoutText());
    assertTrue(
        r.stdoutText()
            .contains(
                "systemctl restart banger-disk.service banger-image.service"
                    + " banger-net.service banger-vm@nobody.service"),
        r.stdoutText());
  }

  @Test
  void uninstallLeavesNothingInstallMadeAndPurgeRemovesTheStateRoots() throws Exception {
    Path userUnit =
        Files.createDirectories(etc.resolve("systemd/system")).resolve("someone-else.service");
    Files.writeString(userUnit, "[Unit]\n");
    assertEquals(0, install("nobody", "--no-start").exitCode());
    CommandResult r = banger("system", "uninstall", "--etc", etc.toString());
    assertEquals(0, r.exitCode(), r.stdoutText() + r.stderrText());
    System.out.println("[SystemInstallIT] uninstall:\n" + r.stdoutText());
    assertEquals(
        List.of("etc/systemd/system/someone-else.service"),
        filesUnder(tmp),
        "only the file install did not write");
    assertFalse(Files.exists(tmp.resolve("opt")), "directories install made are gone");

    CommandResult none = banger("system", "uninstall", "--etc", etc.toString());
    assertEquals(0, none.exitCode());
    assertTrue(none.stdoutText().contains("nothing is installed"), none.stdoutText());

    assertEquals(0, install("nobody", "--no-start").exitCode());
    Path state = tmp.resolve("state");
    for (String f :
        List.of("lib/images/x.ext4", "lib/db/vm/vm.db", "cache/oci/blob", "run/vm.sock.lock")) {
      Files.createDirectories(state.resolve(f).getParent());
      Files.writeString(state.resolve(f), f);
    }
    CommandResult purge =
        banger(
            "system",
            "uninstall",
            "--purge",
            "--etc",
            etc.toString(),
            "--state-root",
            state.toString());
    assertEquals(0, purge.exitCode(), purge.stdoutText() + purge.stderrText());
    for (String root : List.of("lib", "cache", "run")) {
      assertFalse(Files.exists(state.resolve(root)), root + " purged");
    }
    assertEquals(List.of("etc/systemd/system/someone-else.service"), filesUnder(tmp));
  }
}
