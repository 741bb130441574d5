package dev.banger.cli.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.cli.CliHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code banger system status | restart | uninstall}, working from what install wrote. */
class SystemManageCliTest {

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

  private void installed() {
    f.userExists("alice");
    CliHarness.Result r = f.install("alice", "--no-start");
    assertEquals(0, r.code(), r.out() + r.err());
  }

  @Test
  void uninstallRemovesExactlyWhatInstallWroteAndKeepsWhatChanged() throws Exception {
    Path foreign =
        Files.createDirectories(f.etc().resolve("systemd/system")).resolve("other.service");
    Files.writeString(foreign, "[Unit]\n");
    installed();
    Path unit = f.etc().resolve("systemd/system/banger-net.service");
    Files.writeString(unit, Files.readString(unit) + "# edited by the admin\n");
    CliHarness.Result r = f.system("uninstall", "--etc", f.etc().toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(
        r.out().contains("kept " + unit + " (changed since install; --purge removes it)"), r.out());
    assertTrue(r.out().contains("units    not stopped: systemd is not running here"), r.out());
    assertEquals(
        List.of("etc/systemd/system/banger-net.service", "etc/systemd/system/other.service"),
        f.filesUnderRoot());
    assertFalse(Files.exists(f.prefix()), "the copy and the directories install made are gone");
    f.runner.verifyAllConsumed();
  }

  @Test
  void uninstallWithSystemdStopsAndDisablesFirstAndPurgeRemovesStateAndChangedFiles()
      throws Exception {
    installed();
    Path unit = f.etc().resolve("systemd/system/banger-net.service");
    Files.writeString(unit, "edited\n");
    f.host(0, true, f.etc());
    Path stateRoot = scratch.resolve("var");
    Files.createDirectories(stateRoot.resolve("lib/images"));
    f.runner
        .expect(
            "systemctl",
            "disable",
            "--now",
            "banger-disk.service",
            "banger-image.service",
            "banger-net.service",
            "banger-vm@alice.service")
        .thenSucceed("")
        .expect("systemctl", "daemon-reload")
        .thenSucceed("")
        .expect("rm", "-rf", "--one-file-system", "--", stateRoot.resolve("lib").toString())
        .thenSucceed("");
    CliHarness.Result r =
        f.system(
            "uninstall",
            "--purge",
            "--etc",
            f.etc().toString(),
            "--state-root",
            stateRoot.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    f.runner.verifyAllConsumed();
    assertTrue(f.rootIsEmpty(), f.filesUnderRoot().toString());
    assertTrue(
        r.out().contains("purge    " + stateRoot.resolve("cache") + " (not there)"), r.out());
  }

  @Test
  void uninstallWithNothingInstalledSaysSoAndSucceeds() {
    CliHarness.Result r = f.system("uninstall", "--etc", f.etc().toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(
        r.out()
            .contains(
                "nothing is installed: no " + f.etc().resolve("banger/install-manifest.json")),
        r.out());
    f.host(1000, false, Path.of("/etc"));
    CliHarness.Result user = f.system("uninstall", "--etc", f.etc().toString());
    assertEquals(1, user.code());
    assertTrue(user.err().contains("must run as root"), user.err());
  }

  @Test
  void statusSaysWhatIsInstalledAndWhatSystemdAndTheSocketsSay() throws Exception {
    CliHarness.Result none = f.system("status", "--etc", f.etc().toString());
    assertEquals(1, none.code());
    assertTrue(
        none.out()
            .contains("installed: no (no " + f.etc().resolve("banger/install-manifest.json") + ")"),
        none.out());
    assertTrue(none.out().contains("banger-vm@.service"), none.out());

    installed();
    CliHarness.Result table = f.system("status", "--etc", f.etc().toString());
    assertEquals(1, table.code(), "no socket serves");
    assertTrue(table.out().contains("systemd:   systemd is not running here"), table.out());
    assertTrue(
        table.out().matches("(?s).*banger-vm@alice\\.service\\s+installed\\s+-\\s+-.*"),
        table.out());

    f.host(0, true, f.etc());
    for (String u :
        List.of(
            "banger-disk.service",
            "banger-image.service",
            "banger-net.service",
            "banger-vm@alice.service")) {
      f.runner
          .expect("systemctl", "is-active", u)
          .thenReturn(
              u.startsWith("banger-net") ? 3 : 0,
              u.startsWith("banger-net") ? "failed\n" : "active\n",
              "");
      f.runner.expect("systemctl", "is-enabled", u).thenSucceed("enabled\n");
    }
    CliHarness.Result json = f.system("status", "--etc", f.etc().toString(), "-o", "json");
    assertEquals(1, json.code(), json.out() + json.err());
    f.runner.verifyAllConsumed();
    JsonNode n = new ObjectMapper().readTree(json.out());
    assertTrue(n.get("installed").asBoolean());
    assertEquals("alice", n.get("owner").asText());
    assertTrue(
        n.get("systemd").asBoolean() && n.get("systemd_detail").asText().equals("running"),
        json.out());
    assertEquals("failed", n.get("units").get(2).get("active").asText());
    assertEquals("active", n.get("units").get(3).get("active").asText());
    assertEquals("DOWN", n.get("sockets").get(0).get("state").asText());
    assertEquals(2, f.system("status", "-o", "yaml").code());
  }

  @Test
  void restartNeedsAnInstallAndSystemdThenRestartsTheFour() {
    CliHarness.Result none = f.system("restart", "--etc", f.etc().toString());
    assertEquals(1, none.code());
    assertTrue(none.err().contains("banger is not installed here"), none.err());
    installed();
    CliHarness.Result noSystemd = f.system("restart", "--etc", f.etc().toString());
    assertEquals(1, noSystemd.code());
    assertTrue(
        noSystemd
            .err()
            .contains(
                "systemd is not running here (PID 1 is init, no /run/systemd/system): nothing"
                    + " to restart"),
        noSystemd.err());
    f.host(0, true, f.etc());
    f.runner
        .expect(
            "systemctl",
            "restart",
            "banger-disk.service",
            "banger-image.service",
            "banger-net.service",
            "banger-vm@alice.service")
        .thenSucceed("");
    CliHarness.Result r = f.system("restart", "--etc", f.etc().toString());
    assertEquals(0, r.code(), r.out() + r.err());
    f.runner.verifyAllConsumed();
  }

  @Test
  void theGroupAloneShowsItsSubcommands() {
    CliHarness.Result r = f.system();
    assertEquals(0, r.code());
    for (String sub : List.of("install", "status", "restart", "uninstall")) {
      assertTrue(r.out().contains(sub), r.out());
    }
    assertFalse(
        f.system("uninstall", "--help").out().contains("--state-root"),
        "a test-only option stays hidden");
  }
}
