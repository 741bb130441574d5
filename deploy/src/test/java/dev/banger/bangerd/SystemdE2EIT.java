package dev.banger.bangerd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.banger.kit.state.HostIdentity;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * scripts/e2e-systemd on the assembled dist: banger installed by {@code system install} into a
 * Debian container whose PID 1 is systemd, used by an ordinary user, restarted with a VM running,
 * and uninstalled with nothing left (docs/deploy.md, "Tested under systemd"). The script holds the
 * checks and prints one PASS or FAIL line each; this test fails with the FAIL lines, and skips
 * loudly (exit 77) with the script's reason when the host cannot run it.
 */
class SystemdE2EIT {

  private static final String DIST = System.getProperty("banger.dist");

  @Test
  void bangerInstalledUnderSystemdWorksForItsOwnerAndUninstallsClean() throws Exception {
    Assumptions.assumeTrue(DIST != null, "runs under Failsafe only (banger.dist is not set)");
    Assumptions.assumeTrue(
        HostIdentity.currentUid() == 0, "SKIPPED LOUDLY: nspawn and namespaces need root");
    Path script = Path.of("..", "scripts", "e2e-systemd").toAbsolutePath().normalize();
    Assumptions.assumeTrue(Files.isExecutable(script), "no " + script);
    Process p =
        new ProcessBuilder(script.toString(), "--dist", Path.of(DIST).toAbsolutePath().toString())
            .redirectErrorStream(true)
            .start();
    // A hung step must not hang the build. Every step of the script is bounded by timeout(1) (at
    // most 15 minutes), and bash runs its SIGTERM trap (the cleanup) once the step ends: SIGTERM
    // after 40 minutes (about 4 is usual), SIGKILL to the whole tree after 60 as a last resort.
    Thread watchdog =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    if (!p.waitFor(40, TimeUnit.MINUTES)) {
                      System.out.println("SystemdE2EIT: 40 minutes are up, stopping the script");
                      p.destroy();
                      if (!p.waitFor(20, TimeUnit.MINUTES)) {
                        p.descendants().forEach(ProcessHandle::destroyForcibly);
                        p.destroyForcibly();
                      }
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    List<String> failed = new ArrayList<>();
    String skip = null;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        System.out.println(line);
        if (line.contains("] FAIL ")) {
          failed.add(line);
        } else if (line.startsWith("e2e-systemd: SKIP: ")) {
          skip = line;
        }
      }
    }
    // Its output has ended: it is only cleaning up, or the watchdog is ending it.
    p.waitFor();
    watchdog.interrupt();
    int code = p.exitValue();
    Assumptions.assumeTrue(code != 77, "SKIPPED LOUDLY: " + skip);
    assertEquals(0, code, "scripts/e2e-systemd failed:\n" + String.join("\n", failed));
  }
}
