package dev.banger.bangerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs the examples of clients/python and clients/node against a booted stack, each installed the
 * way its README says: the Python package into a virtual environment over Debian's grpcio, the Node
 * package packed with npm and installed from the tarball into an empty project. Each example
 * creates its own VM, execs, moves a file both ways, streams 100 MB and deletes the VM;
 * vm-service's resident set is sampled meanwhile.
 */
final class ClientExamples {

  /** The repository: failsafe runs in deploy/. */
  static final Path REPO = Path.of("").toAbsolutePath().getParent();

  record Run(String label, CommandResult result, RssPeak rss, long ms) {
    List<String> lines() {
      return result.stdoutText().lines().toList();
    }
  }

  private ClientExamples() {}

  static Run python(BootedStack booted, String vmName) throws Exception {
    for (String module : List.of("grpc", "venv", "ensurepip", "setuptools", "wheel")) {
      assumeTrue(
          VmStack.RUN
              .run(Command.of("/usr/bin/python3", "-c", "import " + module).build())
              .succeeded(),
          "SKIPPED LOUDLY: /usr/bin/python3 lacks "
              + module
              + " (.ci/run installs python3-grpcio python3-venv python3-setuptools python3-wheel)");
    }
    Path venv = booted.state.resolve("py-client");
    check(Command.of("/usr/bin/python3", "-m", "venv", "--system-site-packages", venv.toString()));
    // Offline, as clients/python/README.md says; from a copy, because setuptools builds in the
    // source tree and the checkout must stay as it was.
    Path source = booted.state.resolve("py-source");
    check(Command.of("cp", "-r", REPO.resolve("clients/python").toString(), source.toString()));
    check(
        Command.of(
                venv.resolve("bin/pip").toString(),
                "install",
                "-q",
                "--no-build-isolation",
                "--no-index",
                source.toString())
            .timeout(Duration.ofMinutes(3)));
    return run(
        "python",
        booted,
        Command.of(
                venv.resolve("bin/python").toString(),
                REPO.resolve("clients/python/examples/demo.py").toString(),
                "--state-dir",
                booted.state.toString(),
                "--name",
                vmName)
            // From / so the checkout's src/ cannot be what is imported.
            .workingDirectory(Path.of("/")));
  }

  static Run node(BootedStack booted, String vmName) throws Exception {
    assumeTrue(
        VmStack.RUN.run(Command.of("sh", "-c", "command -v npm").build()).succeeded(),
        "SKIPPED LOUDLY: npm is missing (.ci/run installs nodejs)");
    Path pkg = REPO.resolve("clients/node");
    check(
        Command.of("npm", "install", "--no-audit", "--no-fund")
            .workingDirectory(pkg)
            .timeout(Duration.ofMinutes(5)));
    Path app = Files.createDirectories(booted.state.resolve("node-app"));
    CommandResult packed =
        check(
            Command.of("npm", "pack", "--pack-destination", app.toString())
                .workingDirectory(pkg)
                .timeout(Duration.ofMinutes(2)));
    String tarball = packed.stdoutText().strip().lines().reduce((a, b) -> b).orElseThrow();
    Files.writeString(app.resolve("package.json"), "{\"name\":\"app\",\"private\":true}\n");
    check(
        Command.of("npm", "install", "--no-audit", "--no-fund", "./" + tarball)
            .workingDirectory(app)
            .timeout(Duration.ofMinutes(5)));
    Path demo = app.resolve("node_modules/@banger/client/examples/demo.js");
    assertTrue(Files.exists(demo), "the packed package carries its example: " + demo);
    return run(
        "node",
        booted,
        Command.of(
                "node", demo.toString(), "--state-dir", booted.state.toString(), "--name", vmName)
            .workingDirectory(app));
  }

  /** The lines both examples print, in order; the flood line's time varies. */
  static void assertDemo(Run r, String vmName) {
    List<String> lines = r.lines();
    String all = r.label + " example said:\n" + r.result.stdoutText() + r.result.stderrText();
    assertEquals(0, r.result.exitCode(), all);
    assertEquals(6, lines.size(), all);
    assertEquals("created " + vmName + " state=running", lines.get(0), all);
    assertTrue(
        lines.get(1).matches("exec stdout=\\S*out\\\\n\\S* stderr=\\S*err\\\\n\\S* exit=3"), all);
    assertEquals(
        "files identical=" + (r.label.equals("python") ? "True" : "true") + " bytes=1048576",
        lines.get(2),
        all);
    assertTrue(lines.get(3).matches("flood bytes=100000000 exit=0 ms=\\d+"), all);
    assertEquals("error code=NOT_FOUND reason=VM_NOT_FOUND", lines.get(4), all);
    assertEquals("deleted", lines.get(5), all);
  }

  private static Run run(String label, BootedStack booted, Command.Builder command)
      throws Exception {
    RssPeak rss = new RssPeak(booted.stack.pid());
    long t0 = System.nanoTime();
    CommandResult result;
    try (rss) {
      result = VmStack.RUN.run(command.timeout(Duration.ofMinutes(10)).build());
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf(
        "[WorkspaceIT] %s example: %d ms, bangerd RSS %s%n%s",
        label, ms, rss.describe(), result.stdoutText());
    return new Run(label, result, rss, ms);
  }

  private static CommandResult check(Command.Builder command) throws Exception {
    CommandResult r = VmStack.RUN.run(command.build());
    assertTrue(
        r.succeeded(), command.build().display() + " failed: " + r.stderrText() + r.stdoutText());
    return r;
  }
}
