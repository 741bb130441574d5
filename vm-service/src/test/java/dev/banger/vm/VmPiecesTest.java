package dev.banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.vm.app.VmNames;
import dev.banger.vm.driver.VmmHandle;
import dev.banger.vm.runtime.Handles;
import dev.banger.vm.runtime.HandlesFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small pieces of the lifecycle whose mistakes would be silent: names, guest files, handles,
 * log tails.
 */
class VmPiecesTest {

  @TempDir Path dir;

  @Test
  void namesAreDnsLabelsThatNeverLookLikeIds() {
    for (String ok : List.of("a", "dev-box", "x1", "a".repeat(63))) {
      assertNull(VmNames.problem(ok), ok);
    }
    for (String bad :
        List.of(
            "",
            "-a",
            "a-",
            "A",
            "a_b",
            "a.b",
            "a b",
            "a".repeat(64),
            "a\nb",
            "ünï",
            "3f0c2a1e-0000-4000-8000-000000000001")) {
      assertNotNull(VmNames.problem(bad), bad);
    }
    assertTrue(
        VmNames.problem("a\u001b[31mb").contains("\\x1b"),
        "escapes are shown, not sent to the terminal");
    Set<String> taken = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String n = VmNames.generate(taken::contains);
      assertNull(VmNames.problem(n), n);
      assertTrue(taken.add(n), "never a taken name: " + n);
    }
  }

  @Test
  void handlesRoundTripAndAForeignFileIsRefused() throws Exception {
    Handles h =
        new Handles(
            new VmmHandle(
                "qemu",
                4242,
                Instant.parse("2026-12-01T10:00:00.12Z"),
                Path.of("/run/banger/vms/x/qmp.sock"),
                Path.of("/run/banger/vms/x")),
            "tb-0123abcd",
            "172.16.0.9");
    HandlesFile.write(dir, h);
    assertEquals(h, HandlesFile.read(dir).orElseThrow());
    assertEquals(
        List.of("handles.json"),
        Files.list(dir).map(p -> p.getFileName().toString()).toList(),
        "no temp file left");
    HandlesFile.remove(dir);
    assertTrue(HandlesFile.read(dir).isEmpty());
    Files.writeString(dir.resolve("handles.json"), "{\"pid\": 1, \"evil\": true}");
    IOException e = assertThrows(IOException.class, () -> HandlesFile.read(dir));
    assertTrue(e.getMessage().contains("not a handles file banger wrote"), e.getMessage());
  }

  @Test
  void aHandleOfAProcessWithAnotherStartTimeIsNotThatProcess() {
    ProcessHandle self = ProcessHandle.current();
    Instant started = self.info().startInstant().orElseThrow();
    // Any text of this JVM's own arguments stands in for the run directory QEMU's arguments name.
    Path runDir = Path.of(self.info().arguments().orElseThrow()[0]);
    VmmHandle same = new VmmHandle("qemu", self.pid(), started, Path.of("/x"), runDir);
    assertTrue(same.liveProcess().isPresent(), "alive, same start, run dir in its arguments");
    assertTrue(
        new VmmHandle("qemu", self.pid(), started.plusSeconds(1), Path.of("/x"), runDir)
            .liveProcess()
            .isPresent(),
        "a second off: another JVM's reading of the same start (boot time from the wall clock)");
    assertTrue(
        new VmmHandle("qemu", self.pid(), started.minusSeconds(5), Path.of("/x"), runDir)
            .liveProcess()
            .isEmpty(),
        "a reused pid");
    assertTrue(
        new VmmHandle("qemu", self.pid(), started, Path.of("/x"), Path.of("/elsewhere/vm"))
            .liveProcess()
            .isEmpty(),
        "not this VM's process");
  }
}
