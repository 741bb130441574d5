package dev.banger.vm.app.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.vm.app.VmProblem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The script runs under a real /bin/sh here, as the guest's shell runs it: what the program gets
 * must be exactly what the client sent, whatever the strings hold.
 */
class GuestScriptTest {

  static final List<String> HOSTILE =
      List.of(
          "plain",
          "two words",
          "it's",
          "'",
          "''",
          "\"double\"",
          "$HOME",
          "$(touch /tmp/banger-pwned)",
          "`id`",
          "a;b",
          "a&&b|c",
          "*",
          "~",
          "-n",
          "--",
          "\\",
          "line\nbreak",
          "tab\there",
          "",
          "ünï€ødé");

  @TempDir Path dir;

  record Ran(int status, String stdout, String stderr) {}

  Ran run(String script) throws Exception {
    Process p = new ProcessBuilder("/bin/sh", "-c", script).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Ran(p.waitFor(), out, err);
  }

  static ExecOrder order(List<String> argv, boolean shell, Map<String, String> env) {
    return ExecRules.check(
        new ExecOrder("vm", argv, shell, env, "", "", false, 0, 0, Duration.ZERO));
  }

  @Test
  void everyArgumentArrivesAsItWasSentAndNothingIsRun() throws Exception {
    List<String> argv = new java.util.ArrayList<>(List.of("printf", "[%s]"));
    argv.addAll(HOSTILE);
    Ran r = run(GuestScript.of(order(argv, false, Map.of()), dir.toString()));
    assertEquals(0, r.status(), r.stderr());
    StringBuilder want = new StringBuilder();
    HOSTILE.forEach(a -> want.append('[').append(a).append(']'));
    assertEquals(want.toString(), r.stdout());
    assertTrue(r.stderr().matches("\\d+\n"), "stderr is the pid line alone: " + r.stderr());
    assertTrue(!Files.exists(Path.of("/tmp/banger-pwned")), "no substitution ran");
  }

  @Test
  void envValuesAndTheWorkingDirectoryArriveAsSent() throws Exception {
    Path odd = Files.createDirectories(dir.resolve("it's a $dir"));
    ExecOrder o =
        order(
            List.of("sh", "-c", "printf '%s|%s|%s' \"$A\" \"$B_2\" \"$(pwd)\""),
            false,
            Map.of("A", "$(id) 'q' \"d\"", "B_2", "x\ny"));
    Ran r = run(GuestScript.of(o, odd.toString()));
    assertEquals("$(id) 'q' \"d\"|x\ny|" + odd, r.stdout(), r.stderr());
  }

  @Test
  void shellModeRunsTheLineThroughShAndThePidLineComesFirst() throws Exception {
    Ran r =
        run(
            GuestScript.of(
                order(List.of("echo out; echo err >&2; exit 3"), true, Map.of()), dir.toString()));
    assertEquals(3, r.status());
    assertEquals("out\n", r.stdout());
    String[] lines = r.stderr().split("\n");
    assertTrue(lines[0].matches("\\d+"), r.stderr());
    assertEquals("err", lines[1]);
  }

  @Test
  void aMissingProgramOrDirectoryIsNamedWithTheShellsStatuses() throws Exception {
    Ran noProgram =
        run(GuestScript.of(order(List.of("no-such-program-x", "a"), false, Map.of()), "/"));
    assertEquals(GuestScript.NO_PROGRAM, noProgram.status());
    assertTrue(
        noProgram.stderr().endsWith("banger: no program \"no-such-program-x\" in the VM\n"),
        noProgram.stderr());
    Ran noDir = run(GuestScript.of(order(List.of("true"), false, Map.of()), "/no/such/dir"));
    assertEquals(GuestScript.NO_DIRECTORY, noDir.status());
    assertTrue(
        noDir.stderr().endsWith("banger: no directory \"/no/such/dir\" in the VM\n"),
        noDir.stderr());
  }

  @Test
  void theKillCommandEndsTheWholeProcessGroup() throws Exception {
    // setsid, as sshd starts each session: the script's pid leads its own process group.
    Process p =
        new ProcessBuilder(
                "setsid",
                "/bin/sh",
                "-c",
                GuestScript.of(order(List.of("sleep 60 & sleep 60; wait"), true, Map.of()), "/"))
            .start();
    StringBuilder line = new StringBuilder();
    for (int b = p.getErrorStream().read(); b != '\n'; b = p.getErrorStream().read()) {
      line.append((char) b);
    }
    String pid = line.toString();
    Thread.sleep(200);
    List<ProcessHandle> children =
        ProcessHandle.of(Long.parseLong(pid)).orElseThrow().descendants().toList();
    assertTrue(!children.isEmpty(), "the program has children to kill");
    assertEquals(0, run(GuestScript.kill(Long.parseLong(pid))).status());
    assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the program is gone");
    for (ProcessHandle c : children) {
      c.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
      assertTrue(!c.isAlive(), "its child " + c.pid() + " is gone too, not orphaned");
    }
  }

  @Test
  void badOrdersAreRefusedNamingTheField() {
    record Case(String field, ExecOrder o) {}
    Duration none = Duration.ZERO;
    for (Case c :
        List.of(
            new Case(
                "argv", new ExecOrder("v", List.of(), false, Map.of(), "", "", false, 0, 0, none)),
            new Case(
                "argv",
                new ExecOrder("v", List.of("a", "b"), true, Map.of(), "", "", false, 0, 0, none)),
            new Case(
                "argv",
                new ExecOrder("v", List.of("a\0b"), false, Map.of(), "", "", false, 0, 0, none)),
            new Case(
                "argv",
                new ExecOrder("v", List.of(""), false, Map.of(), "", "", false, 0, 0, none)),
            new Case(
                "env",
                new ExecOrder(
                    "v", List.of("a"), false, Map.of("A B", "x"), "", "", false, 0, 0, none)),
            new Case(
                "env",
                new ExecOrder(
                    "v", List.of("a"), false, Map.of("1A", "x"), "", "", false, 0, 0, none)),
            new Case(
                "working_dir",
                new ExecOrder("v", List.of("a"), false, Map.of(), "rel", "", false, 0, 0, none)),
            new Case(
                "user",
                new ExecOrder("v", List.of("a"), false, Map.of(), "", "r;oot", false, 0, 0, none)),
            new Case(
                "timeout_seconds",
                new ExecOrder(
                    "v",
                    List.of("a"),
                    false,
                    Map.of(),
                    "",
                    "",
                    false,
                    0,
                    0,
                    Duration.ofDays(2))))) {
      VmProblem p =
          org.junit.jupiter.api.Assertions.assertThrows(
              VmProblem.class, () -> ExecRules.check(c.o()), c.toString());
      assertEquals(c.field(), p.metadata().get("field"), p.getMessage());
    }
  }
}
