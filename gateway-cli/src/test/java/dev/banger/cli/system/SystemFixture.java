package dev.banger.cli.system;

import dev.banger.cli.CliHarness;
import dev.banger.kit.process.ScriptedCommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the {@code banger system} tests share: a fake installation (the real unit, sysusers,
 * tmpfiles and config templates of deploy/src/main/dist, fake launchers and jars) as banger.home, a
 * scratch root for PREFIX and ETC, and a host double (uid, PID 1, a scripted runner that fails on
 * any command the test did not expect).
 */
final class SystemFixture implements AutoCloseable {

  static final Path DIST_SOURCE = Path.of("../deploy/src/main/dist");

  final Path home;
  final Path root;
  final Path state;
  final ScriptedCommandRunner runner = new ScriptedCommandRunner();

  SystemFixture(Path scratch) throws IOException {
    home = Files.createDirectories(scratch.resolve("dist"));
    root = Files.createDirectories(scratch.resolve("root"));
    state = Files.createDirectories(scratch.resolve("state"));
    for (String dir : List.of("systemd", "conf")) {
      try (Stream<Path> files = Files.list(DIST_SOURCE.resolve(dir))) {
        for (Path f : files.toList()) {
          Files.createDirectories(home.resolve(dir));
          Files.copy(f, home.resolve(dir).resolve(f.getFileName()));
        }
      }
    }
    script("bin/banger");
    script("bin/bangerd");
    Files.writeString(Files.createDirectories(home.resolve("lib")).resolve("a.jar"), "jar a");
    System.setProperty("banger.home", home.toString());
    host(0, false, Path.of("/etc"));
  }

  private void script(String rel) throws IOException {
    Path p = home.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, "#!/bin/sh\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  void host(int euid, boolean systemd, Path systemdEtc) {
    SystemHost h = new SystemHost(euid, "init", systemd, systemdEtc, runner);
    SystemHost.current = () -> h;
  }

  Path prefix() {
    return root.resolve("opt/banger");
  }

  Path etc() {
    return root.resolve("etc");
  }

  /** The owner is looked up, then (install goes on) the CLI's AOT cache is trained in PREFIX. */
  ScriptedCommandRunner userExists(String name) {
    return runner
        .expect("getent", "passwd", name)
        .thenSucceed(name + ":x:1000:1000::/home/" + name + ":/bin/sh\n")
        .expect(prefix().resolve("bin/banger-aot-train").toString())
        .thenSucceed(
            "banger-aot-train: wrote "
                + prefix().resolve("lib/banger-cli.aot")
                + " (33 MiB) in 4000 ms\n");
  }

  CliHarness.Result install(String owner, String... more) {
    String[] args =
        Stream.concat(
                Stream.of(
                    "system",
                    "install",
                    "--owner",
                    owner,
                    "--prefix",
                    prefix().toString(),
                    "--etc",
                    etc().toString()),
                Stream.of(more))
            .toArray(String[]::new);
    return CliHarness.run(state, args);
  }

  CliHarness.Result system(String... args) {
    return CliHarness.run(
        state, Stream.concat(Stream.of("system"), Stream.of(args)).toArray(String[]::new));
  }

  /** Every regular file under the scratch root, relative to it. */
  List<String> filesUnderRoot() throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  boolean rootIsEmpty() throws IOException {
    try (Stream<Path> s = Files.list(root)) {
      return s.findAny().isEmpty();
    }
  }

  @Override
  public void close() {
    System.clearProperty("banger.home");
    SystemHost.current = SystemHost::real;
  }
}
