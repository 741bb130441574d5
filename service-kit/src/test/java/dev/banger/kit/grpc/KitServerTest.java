package dev.banger.kit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import dev.banger.kit.auth.AccessPolicy;
import dev.banger.kit.auth.PeerCredentials;
import dev.banger.kit.auth.Principal;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.state.HostIdentity;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KitServerTest {

  @TempDir Path dir;
  private KitServer server;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdown();
    }
  }

  private static AccessPolicy allowOnly(Principal... who) {
    return new AccessPolicy(
        List.of(who), Map.of(), new UserDirectory(), HostIdentity.currentUid(), -1);
  }

  private KitServer start(Path sock, AccessPolicy policy, io.grpc.BindableService... extra)
      throws Exception {
    KitServer.Builder b =
        KitServer.builder("test").unixSocket(new SocketSpec(sock, 0660, null, null)).policy(policy);
    for (var s : extra) {
      b.addService(s);
    }
    return b.start();
  }

  private HealthCheckResponse.ServingStatus check(Path sock) {
    channel = UnixChannels.forSocket(sock);
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())
        .getStatus();
  }

  @Test
  void healthAnswersServingToAnAllowedPeer() throws Exception {
    Path sock = dir.resolve("a.sock");
    server = start(sock, allowOnly(new Principal.Self()));
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, check(sock));
  }

  @Test
  void socketGetsItsConfiguredModeAndNoTemporaryFileRemains() throws Exception {
    Path sock = dir.resolve("m.sock");
    server =
        KitServer.builder("test")
            .unixSocket(new SocketSpec(sock, 0600, null, null))
            .policy(AccessPolicy.denyAll())
            .start();
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
    try (var files = Files.list(dir)) {
      assertEquals(
          List.of("m.sock", "m.sock.lock"),
          files.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void refusedPeerGetsPermissionDeniedNamingItsUidWithErrorInfo() throws Exception {
    Path sock = dir.resolve("d.sock");
    server = start(sock, allowOnly(new Principal.Uid(4242)));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> check(sock));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    int me = HostIdentity.currentUid();
    assertTrue(
        e.getStatus().getDescription().contains("uid " + me + " "), e.getStatus().getDescription());
    ErrorInfo info = Errors.errorInfo(e).orElseThrow();
    assertEquals("PEER_NOT_ALLOWED", info.getReason());
    assertEquals(Errors.DOMAIN, info.getDomain());
    assertEquals(Integer.toString(me), info.getMetadataOrThrow("uid"));
    assertEquals("grpc.health.v1.Health/Check", info.getMetadataOrThrow("method"));
  }

  @Test
  void defaultPolicyDeniesEveryone() throws Exception {
    Path sock = dir.resolve("n.sock");
    server = start(sock, AccessPolicy.denyAll());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> check(sock));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
  }

  @Test
  void serviceCodeSeesTheKernelReportedPeer() throws Exception {
    Path sock = dir.resolve("p.sock");
    AtomicReference<PeerCredentials> seen = new AtomicReference<>();
    server =
        start(
            sock,
            allowOnly(new Principal.Self()),
            echo(
                req -> {
                  seen.set(PeerCredentials.current());
                  return req;
                }));
    channel = UnixChannels.forSocket(sock);
    callEcho(channel, "hi");
    assertEquals(HostIdentity.currentUid(), seen.get().uid());
    assertEquals(ProcessHandle.current().pid(), seen.get().pid());
  }

  @Test
  void secondServerOnTheSameSocketFailsFastAndLeavesTheFirstServing() throws Exception {
    Path sock = dir.resolve("s.sock");
    server = start(sock, allowOnly(new Principal.Self()));
    SocketInUseException e =
        assertThrows(
            SocketInUseException.class, () -> start(sock, allowOnly(new Principal.Self())));
    assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
    assertTrue(e.getMessage().contains(sock.toString()), e.getMessage());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, check(sock));
  }

  @Test
  void staleSocketOfADeadServerIsReplaced() throws Exception {
    Path sock = dir.resolve("stale.sock");
    // A socket file nobody listens on (what a kill -9 leaves): bind, then close without unlinking.
    try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.bind(UnixDomainSocketAddress.of(sock));
    }
    assertTrue(Files.exists(sock));
    server = start(sock, allowOnly(new Principal.Self()));
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, check(sock));
  }

  @Test
  void aNonSocketFileAtTheSocketPathIsNeverDeleted() throws Exception {
    Path sock = dir.resolve("file.sock");
    Files.writeString(sock, "precious");
    IOException e =
        assertThrows(IOException.class, () -> start(sock, allowOnly(new Principal.Self())));
    assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
    assertEquals("precious", Files.readString(sock));
    assertTrue(lockIsFree(sock), "lock released on failure");
  }

  @Test
  void aSecondAttemptInTheSameJvmKeepsTheFirstServersLock() throws Exception {
    Path sock = dir.resolve("same.sock");
    server = start(sock, allowOnly(new Principal.Self()));
    assertThrows(SocketInUseException.class, () -> start(sock, allowOnly(new Principal.Self())));
    assertFalse(lockIsFree(sock), "another process must still see the lock held");
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, check(sock));
  }

  @Test
  void aPolicyRuleNamingNoServedMethodIsRefusedAndNothingRemains() throws Exception {
    Path sock = dir.resolve("typo.sock");
    AccessPolicy typo =
        new AccessPolicy(
            List.of(new Principal.Uid(0)),
            Map.of("grpc.health.v1.Health/Chek", List.of(new Principal.Any())),
            new UserDirectory(),
            0,
            -1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> start(sock, typo));
    assertTrue(
        e.getMessage().contains("\"grpc.health.v1.Health/Chek\" names no method"), e.getMessage());
    assertLeftNothingBut(sock);
  }

  @Test
  void aFailedPublishLeavesNoSocketNoTemporaryFileAndAFreeLock() throws Exception {
    Path sock = dir.resolve("pub.sock");
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                KitServer.builder("test")
                    .unixSocket(new SocketSpec(sock, 0660, null, "no-such-group-banger"))
                    .policy(AccessPolicy.denyAll())
                    .start());
    assertTrue(e.toString().contains("no-such-group-banger"), e.toString());
    assertLeftNothingBut(sock);
    server = start(sock, allowOnly(new Principal.Self()));
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, check(sock));
  }

  @Test
  void temporaryBindsOfAServerThatDiedWhileStartingAreRemoved() throws Exception {
    Path sock = dir.resolve("t.sock");
    Path orphan = Files.createDirectory(dir.resolve(".t.sock.0b5e7c1e"));
    try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.bind(UnixDomainSocketAddress.of(orphan.resolve("s")));
    }
    server = start(sock, allowOnly(new Principal.Self()));
    assertFalse(Files.exists(orphan));
  }

  @Test
  void aSocketAnotherProgramListensOnIsNotStolen() throws Exception {
    Path sock = dir.resolve("busy.sock");
    try (ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.bind(UnixDomainSocketAddress.of(sock));
      IOException e =
          assertThrows(IOException.class, () -> start(sock, allowOnly(new Principal.Self())));
      assertTrue(e.getMessage().contains("another program is listening"), e.getMessage());
      assertTrue(Files.exists(sock));
    }
  }

  @Test
  void aDirectoryEveryoneMayWriteWithoutStickyBitIsRefused() throws Exception {
    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    IOException e =
        assertThrows(
            IOException.class,
            () -> start(open.resolve("o.sock"), allowOnly(new Principal.Self())));
    assertTrue(e.getMessage().contains("writable by everyone"), e.getMessage());
  }

  /**
   * After a failed start: at most the (free) lock file remains beside where the socket was to be.
   */
  private void assertLeftNothingBut(Path sock) throws Exception {
    try (var files = Files.list(sock.getParent())) {
      List<String> left =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.contains(sock.getFileName().toString()))
              .toList();
      assertTrue(
          left.isEmpty() || left.equals(List.of(sock.getFileName() + ".lock")), left.toString());
    }
    assertTrue(lockIsFree(sock), "lock released");
  }

  /**
   * Asks another process (POSIX lockf, the same lock family as FileChannel.tryLock) whether the
   * lock is free.
   */
  static boolean lockIsFree(Path sock) throws Exception {
    Path lock = sock.resolveSibling(sock.getFileName() + ".lock");
    if (!Files.exists(lock)) {
      return true;
    }
    return new dev.banger.kit.process.HostCommandRunner()
        .run(
            dev.banger.kit.process.Command.of(
                    "/usr/bin/python3",
                    "-c",
                    "import fcntl,sys; fcntl.lockf(open(sys.argv[1], 'r+'), fcntl.LOCK_EX | fcntl.LOCK_NB)",
                    lock.toString())
                .build())
        .succeeded();
  }

  @Test
  void tooLongSocketPathIsACleanError() {
    Path sock = dir.resolve("x".repeat(120) + ".sock");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new SocketSpec(sock, 0660, null, null));
    assertTrue(e.getMessage().contains("limit of 107"), e.getMessage());
  }

  @Test
  void shutdownLetsAnInFlightCallFinishThenRemovesTheSocketAndFreesTheLock() throws Exception {
    Path sock = dir.resolve("g.sock");
    CountDownLatch inCall = new CountDownLatch(1);
    server =
        start(
            sock,
            allowOnly(new Principal.Self()),
            echo(
                req -> {
                  inCall.countDown();
                  sleep(Duration.ofMillis(700));
                  return req + "-done";
                }));
    channel = UnixChannels.forSocket(sock);
    CompletableFuture<String> reply =
        CompletableFuture.supplyAsync(() -> callEcho(channel, "slow"));
    assertTrue(inCall.await(10, TimeUnit.SECONDS));
    server.shutdown();
    assertEquals("slow-done", reply.get(10, TimeUnit.SECONDS));
    assertFalse(Files.exists(sock));
    assertTrue(lockIsFree(sock), "lock released (its file stays: deleting it would race)");
  }

  @Test
  void shutdownCancelsCallsThatOutliveTheGracePeriod() throws Exception {
    Path sock = dir.resolve("c.sock");
    CountDownLatch inCall = new CountDownLatch(1);
    server =
        KitServer.builder("test")
            .unixSocket(new SocketSpec(sock, 0660, null, null))
            .policy(allowOnly(new Principal.Self()))
            .shutdownGrace(Duration.ofMillis(200))
            .addService(
                echo(
                    req -> {
                      inCall.countDown();
                      sleep(Duration.ofSeconds(30));
                      return req;
                    }))
            .start();
    channel = UnixChannels.forSocket(sock);
    CompletableFuture<String> reply =
        CompletableFuture.supplyAsync(() -> callEcho(channel, "forever"));
    assertTrue(inCall.await(10, TimeUnit.SECONDS));
    long t0 = System.nanoTime();
    server.shutdown();
    assertTrue(
        Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(10)) < 0,
        "bounded shutdown");
    var e =
        assertThrows(
            java.util.concurrent.ExecutionException.class, () -> reply.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof StatusRuntimeException, e.toString());
  }

  // --- a tiny string echo service, so tests control what a handler does ---

  static final MethodDescriptor<String, String> ECHO =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test.Echo/Echo")
          .setRequestMarshaller(StringMarshaller.INSTANCE)
          .setResponseMarshaller(StringMarshaller.INSTANCE)
          .build();

  static io.grpc.BindableService echo(java.util.function.UnaryOperator<String> body) {
    return () ->
        ServerServiceDefinition.builder("test.Echo")
            .addMethod(
                ECHO,
                ServerCalls.asyncUnaryCall(
                    (req, out) -> {
                      out.onNext(body.apply(req));
                      out.onCompleted();
                    }))
            .build();
  }

  static String callEcho(ManagedChannel ch, String msg) {
    return ClientCalls.blockingUnaryCall(
        ch, ECHO, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), msg);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  enum StringMarshaller implements MethodDescriptor.Marshaller<String> {
    INSTANCE;

    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
