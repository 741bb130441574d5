package dev.banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.testing.ServiceHarness;
import dev.banger.net.NetServiceModule;
import dev.banger.vm.VmServiceModule;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BangerCliTest {

  record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Banger.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void versionPrintsTheBuildVersion() {
    Result r = run("version");
    assertEquals(0, r.code());
    assertTrue(r.out().matches("(?s)banger \\d+\\.\\d+\\.\\d+.*"), r.out());
    assertTrue(r.out().contains("Java 25"), r.out());
    assertEquals(r.out(), run("--version").out());
  }

  @Test
  void helpEverywhere() {
    assertTrue(run("--help").out().contains("status"));
    assertTrue(run("status", "--help").out().contains("--output"));
    assertTrue(run("version", "--help").out().contains("Usage: banger version"));
  }

  @Test
  void unknownCommandIsAUsageError() {
    Result r = run("frobnicate");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("frobnicate"), r.err());
  }

  @Test
  void statusReportsServingAndDownServicesAndFailsUnlessAllServe(@TempDir Path dir)
      throws Exception {
    try (ServiceHarness h =
        ServiceHarness.start(dir, new VmServiceModule(), new NetServiceModule())) {
      Result r = run("--state-dir", dir.toString(), "status");
      assertEquals(1, r.code(), r.out());
      assertTrue(r.out().matches("(?s).*vm\\s+SERVING.*"), r.out());
      assertTrue(r.out().matches("(?s).*net\\s+SERVING.*"), r.out());
      assertTrue(r.out().matches("(?s).*image\\s+DOWN.*is bangerd running.*"), r.out());
      Result json = run("--state-dir", dir.toString(), "status", "-o", "json");
      assertTrue(json.out().contains("\"service\": \"vm\""), json.out());
      assertEquals(2, run("--state-dir", dir.toString(), "status", "-o", "yaml").code());
    }
  }
}
