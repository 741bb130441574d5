package dev.banger.bangerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.process.RunningProcess;
import dev.banger.kit.state.ServiceName;
import io.grpc.ManagedChannel;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The assembled launcher as a user runs it: {@code bin/bangerd --all --state-dir DIR} in its own
 * process, probed by Python's grpcio (as root and as nobody), by reflection, by the {@code banger}
 * CLI and by a second bangerd; then stopped with SIGTERM.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BangerdIT {

  private static final Path DIST = Path.of(System.getProperty("banger.dist", "target/dist"));
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final HostCommandRunner RUN = new HostCommandRunner();

  private static Path state;
  private static Path log;
  private static RunningProcess bangerd;

  @BeforeAll
  static void startBangerd() throws Exception {
    state = Files.createTempDirectory(Path.of("/tmp"), "bgrd-it-");
    // Traversable by other users, so only socket modes and the peer check decide.
    Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path cfg = state.resolve("config.toml");
    Files.writeString(
        cfg,
        """
        shutdown_grace_seconds = 5

        # Let anyone connect to net.sock, so the peer-credential check alone refuses strangers.
        [services.net]
        socket_mode = "0666"
        """);
    log = state.resolve("bangerd.log");
    bangerd = DistBangerd.startAll(RUN, state, cfg, log);
    System.out.println(
        "[BangerdIT] "
            + Files.readString(log)
                .lines()
                .filter(l -> l.startsWith("bangerd: serving"))
                .findFirst()
                .orElse(""));
  }

  @AfterAll
  static void stop() throws Exception {
    if (bangerd != null && bangerd.isAlive()) {
      bangerd.kill();
    }
    if (state != null) {
      RUN.run(Command.of("rm", "-rf", "--one-file-system", state.toString()).build());
    }
  }

  private static Path socket(ServiceName s) {
    return state.resolve("run").resolve(s.id() + ".sock");
  }

  private static void requirePythonGrpc() throws Exception {
    boolean ok =
        Files.isExecutable(PYTHON)
            && RUN.run(Command.of(PYTHON.toString(), "-c", "import grpc").build()).succeeded();
    Assumptions.assumeTrue(
        ok,
        "SKIPPED LOUDLY: /usr/bin/python3 with python3-grpcio is missing "
            + "(apt-get install python3-grpcio; .ci/run installs it)");
  }

  private static CommandResult probe(Path socket, String... asUser) throws Exception {
    Command.Builder c =
        asUser.length == 0
            ? Command.of(PYTHON.toString())
            : Command.of(
                "setpriv",
                "--reuid=" + asUser[0],
                "--regid=" + asUser[0],
                "--clear-groups",
                PYTHON.toString());
    return RUN.run(
        c.arg(DIST.resolve("bin/banger-health-probe").toString())
            .arg("unix://" + socket)
            .timeout(Duration.ofSeconds(30))
            .build());
  }

  @Test
  @Order(1)
  void pythonWithoutGeneratedCodeSeesServingOnEverySocket() throws Exception {
    requirePythonGrpc();
    for (ServiceName s : ServiceName.values()) {
      CommandResult r = probe(socket(s));
      assertEquals("SERVING", r.stdoutText().strip(), s + ": " + r.stdoutText() + r.stderrText());
      assertEquals(0, r.exitCode());
    }
  }

  @Test
  @Order(2)
  void nobodyIsRefusedByThePeerCheckNotByTheSocketMode() throws Exception {
    requirePythonGrpc();
    assertEquals(
        "rw-rw-rw-",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(socket(ServiceName.NET))));
    CommandResult r = probe(socket(ServiceName.NET), "65534");
    assertEquals(2, r.exitCode(), r.stdoutText() + r.stderrText());
    String out = r.stdoutText().strip();
    assertTrue(out.startsWith("ERROR PERMISSION_DENIED: "), out);
    assertTrue(out.contains("uid 65534"), out);
    assertTrue(
        Files.readString(log)
            .contains(
                "denied service=net-service method=grpc.health.v1.Health/Check peer=uid 65534"),
        "refusal is logged");
  }

  @Test
  @Order(3)
  void aSocketWithTheDefaultModeKeepsStrangersOutAtConnect() throws Exception {
    requirePythonGrpc();
    assertEquals(
        "rw-rw----",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(socket(ServiceName.VM))));
    CommandResult r = probe(socket(ServiceName.VM), "65534");
    assertEquals(2, r.exitCode(), r.stdoutText() + r.stderrText());
    assertTrue(r.stdoutText().startsWith("ERROR UNAVAILABLE"), r.stdoutText());
  }

  @Test
  @Order(4)
  void reflectionListsEachSocketsServicesAndTogetherTheFourApis() throws Exception {
    Set<String> all = new TreeSet<>();
    for (ServiceName s : ServiceName.values()) {
      Set<String> names = listServices(socket(s));
      assertTrue(names.contains("grpc.health.v1.Health"), names.toString());
      assertTrue(names.contains("banger.common.v1.OperationsService"), names.toString());
      assertTrue(names.contains("grpc.reflection.v1.ServerReflection"), names.toString());
      all.addAll(names);
    }
    assertTrue(
        all.containsAll(
            List.of(
                "banger.image.v1.ImageService",
                "banger.vm.v1.VmService",
                "banger.net.v1.NetService",
                "banger.disk.v1.DiskService")),
        all.toString());
  }

  @Test
  @Order(5)
  void bangerStatusShowsFourServingLines() throws Exception {
    CommandResult r =
        RUN.run(
            Command.of(
                    DIST.resolve("bin/banger").toString(),
                    "--state-dir",
                    state.toString(),
                    "status")
                .build());
    assertEquals(0, r.exitCode(), r.stdoutText() + r.stderrText());
    assertEquals(
        4,
        r.stdoutText()
            .lines()
            .filter(l -> l.matches("(image|vm|net|disk)\\s+SERVING\\s.*"))
            .count(),
        r.stdoutText());
  }

  @Test
  @Order(6)
  void aSecondBangerdOnTheSameStateDirFailsFastAndStealsNothing() throws Exception {
    long t0 = System.nanoTime();
    CommandResult r =
        RUN.run(
            Command.of(
                    DIST.resolve("bin/bangerd").toString(),
                    "--all",
                    "--state-dir",
                    state.toString())
                .timeout(Duration.ofSeconds(60))
                .build());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(Bangerd.EXIT_SOCKET_IN_USE, r.exitCode(), r.stderrText());
    assertTrue(
        r.stderrText().contains("is already serving " + state.resolve("run")), r.stderrText());
    assertTrue(r.stderrText().contains("pid " + bangerd.pid()), r.stderrText());
    System.out.println("[BangerdIT] second bangerd refused in " + ms + " ms");
    CommandResult status =
        RUN.run(
            Command.of(
                    DIST.resolve("bin/banger").toString(),
                    "--state-dir",
                    state.toString(),
                    "status")
                .build());
    assertEquals(
        0, status.exitCode(), "first bangerd still serves all four: " + status.stdoutText());
  }

  @Test
  @Order(7)
  void usageAndConfigErrorsAreClearAndNonZero() throws Exception {
    String bin = DIST.resolve("bin/bangerd").toString();
    CommandResult none = RUN.run(Command.of(bin).build());
    assertEquals(2, none.exitCode());
    assertTrue(
        none.stderrText().contains("--service") && none.stderrText().contains("--all"),
        none.stderrText());
    CommandResult bad =
        RUN.run(Command.of(bin, "--service", "dns", "--state-dir", state.toString()).build());
    assertEquals(2, bad.exitCode());
    assertTrue(bad.stderrText().contains("unknown service \"dns\""), bad.stderrText());
    CommandResult cfg =
        RUN.run(
            Command.of(
                    bin,
                    "--all",
                    "--state-dir",
                    state.toString(),
                    "--config",
                    "/nonexistent/b.toml")
                .build());
    assertEquals(1, cfg.exitCode());
    assertTrue(
        cfg.stderrText().contains("config file /nonexistent/b.toml does not exist"),
        cfg.stderrText());
  }

  @Test
  @Order(8)
  void sigtermStopsCleanlyAndLeavesNoSockets() throws Exception {
    bangerd.terminate();
    var code = bangerd.waitFor(Duration.ofSeconds(30));
    assertTrue(code.isPresent(), "bangerd still running 30 s after SIGTERM");
    assertEquals(143, code.get(), Files.readString(log));
    try (var left = Files.list(state.resolve("run"))) {
      // Only the lock files stay (never deleted: that would race); no socket, no temp bind.
      assertEquals(
          List.of("disk.sock.lock", "image.sock.lock", "net.sock.lock", "vm.sock.lock"),
          left.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertFalse(Files.readString(log).contains("ERROR"), Files.readString(log));
  }

  private static Set<String> listServices(Path sock) throws Exception {
    ManagedChannel ch = UnixChannels.forSocket(sock);
    try {
      CompletableFuture<Set<String>> names = new CompletableFuture<>();
      StreamObserver<ServerReflectionRequest> req =
          ServerReflectionGrpc.newStub(ch)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .serverReflectionInfo(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse r) {
                      names.complete(
                          new TreeSet<>(
                              r.getListServicesResponse().getServiceList().stream()
                                  .map(ServiceResponse::getName)
                                  .toList()));
                    }

                    @Override
                    public void onError(Throwable t) {
                      names.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                  });
      req.onNext(ServerReflectionRequest.newBuilder().setListServices("*").build());
      Set<String> result = names.get(10, TimeUnit.SECONDS);
      req.onCompleted();
      return result;
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
