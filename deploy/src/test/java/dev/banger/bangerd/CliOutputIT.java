package dev.banger.bangerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.cli.Banger;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The assembled {@code banger} launcher, run as a process, prints every byte the command renders:
 * its output is compared whole with the same command run in-process, for each command that prints
 * more than a line. Output written without a final newline used to be lost at exit (ssh-config
 * printed nothing; completion scripts were cut at the writer's buffer).
 */
class CliOutputIT {

  static final HostCommandRunner RUN = new HostCommandRunner();

  @TempDir static Path dir;

  static Stream<List<String>> commands() {
    return Stream.of(
        List.of("--help"),
        List.of("vm", "--help"),
        List.of("vm", "run", "--help"),
        List.of("vm", "cp", "--help"),
        List.of("image", "--help"),
        List.of("kernel", "--help"),
        List.of("system", "--help"),
        List.of("version"),
        List.of("ssh-config"),
        List.of("completion", "bash"),
        List.of("completion", "zsh"),
        List.of("completion", "fish"));
  }

  record Printed(int code, String out) {}

  static List<String> argv(List<String> args) {
    List<String> a = new ArrayList<>(List.of("--state-dir", dir.resolve("state").toString()));
    a.addAll(args);
    return a;
  }

  static Printed inProcess(List<String> args) throws Exception {
    // As the launcher says where it is installed (ssh-config names it in its ProxyCommand).
    System.setProperty("banger.home", DistBangerd.DIST.toRealPath().toString());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        Banger.run(argv(args).toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Printed(code, out.toString());
  }

  static CommandResult launcher(List<String> args) throws Exception {
    List<String> a = new ArrayList<>();
    a.add(DistBangerd.DIST.resolve("bin/banger").toAbsolutePath().toString());
    a.addAll(argv(args));
    return RUN.run(Command.of(a).timeout(Duration.ofSeconds(60)).build());
  }

  @ParameterizedTest(name = "banger {0}")
  @MethodSource("commands")
  void theLauncherPrintsEveryByteTheCommandRenders(List<String> args) throws Exception {
    Printed want = inProcess(args);
    assertTrue(want.out().lines().count() > 1, "a command that prints more than a line");
    CommandResult got = launcher(args);
    assertEquals(want.code(), got.exitCode(), got.stderrText());
    assertEquals(want.out(), got.stdoutText(), "stdout of the launcher, byte for byte");
  }

  @Test
  void theBashCompletionScriptParses() throws Exception {
    Path script = dir.resolve("banger.bash");
    Files.writeString(script, launcher(List.of("completion", "bash")).stdoutText());
    assertTrue(Files.size(script) > 48 * 1024, "the whole script: " + Files.size(script));
    CommandResult n = RUN.run(Command.of("bash", "-n", script.toString()).build());
    assertEquals(0, n.exitCode(), "bash -n: " + n.stderrText());
  }
}
