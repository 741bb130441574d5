package dev.banger.vm.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against MINA's server on 127.0.0.1 (TestSshServer); no other traffic. */
class GuestSshTest {

  static final String IP = "127.0.0.1";
  static final Duration T = Duration.ofSeconds(10);

  @TempDir Path tmp;
  SshIdentity identity;
  KnownHosts knownHosts;
  GuestSsh ssh;
  TestSshServer server;

  @BeforeEach
  void setUp() throws Exception {
    identity = SshIdentity.loadOrCreate(tmp.resolve("ssh"));
    knownHosts = new KnownHosts(tmp.resolve("ssh/known_hosts"));
    ssh = new GuestSsh(identity, knownHosts);
  }

  @AfterEach
  void tearDown() throws Exception {
    ssh.close();
    if (server != null) {
      server.close();
    }
  }

  @Test
  void readyWhenTrueRunsAndTheHostKeyIsPinned() throws Exception {
    server = TestSshServer.start(identity.publicKey());
    GuestSsh.Readiness r = ssh.awaitReady(IP, server.port(), "dev.vm", T, () -> false);
    assertEquals(1, r.attempts());
    assertEquals(List.of("true"), server.commands);
    assertEquals(
        List.of(
            "[127.0.0.1]:"
                + server.port()
                + ",[dev.vm]:"
                + server.port()
                + " "
                + PublicKeyEntry.toString(server.hostKey.getPublic())),
        Files.readAllLines(knownHosts.file()));
    // the second time the pin matches
    ssh.awaitReady(IP, server.port(), "dev.vm", T, () -> false);
    assertEquals(1, Files.readAllLines(knownHosts.file()).size());
  }

  @Test
  void aReadinessCommandIsFedItsInputAndItsFailureIsTheReason() throws Exception {
    server = TestSshServer.start(identity.publicKey());
    GuestSsh.Readiness r =
        ssh.awaitReady(
            IP,
            server.port(),
            "dev.vm",
            T,
            () -> false,
            "stdin",
            in -> in.write("name\n1700000000.000\n".getBytes(StandardCharsets.UTF_8)));
    assertEquals(1, r.attempts(), "one handshake: the probe is the command");
    assertEquals(List.of("stdin"), server.commands);
    assertEquals(List.of("name\n1700000000.000\n"), server.inputs);

    GuestSshException e =
        assertThrows(
            GuestSshException.class,
            () ->
                ssh.awaitReady(
                    IP,
                    server.port(),
                    "dev.vm",
                    Duration.ofMillis(800),
                    () -> false,
                    "exit 3",
                    null));
    assertTrue(e.getMessage().contains("the readiness command failed"), e.getMessage());
    assertTrue(e.getMessage().contains("(exit 3)"), e.getMessage());
    assertEquals(1, server.commands.stream().filter("exit 3"::equals).count(), "not retried");
  }

  @Test
  void retriesUntilAServerComesUpLate() throws Exception {
    int port = TestSshServer.freePort();
    AtomicReference<TestSshServer> late = new AtomicReference<>();
    Thread starter =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    Thread.sleep(1500);
                    late.set(TestSshServer.start(identity.publicKey(), port));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
    try {
      GuestSsh.Readiness r = ssh.awaitReady(IP, port, null, Duration.ofSeconds(20), () -> false);
      assertTrue(r.attempts() > 1, "attempts: " + r.attempts());
      assertTrue(r.elapsed().toMillis() >= 1400, "elapsed: " + r.elapsed());
    } finally {
      starter.join();
      if (late.get() != null) {
        late.get().close();
      }
    }
  }

  @Test
  void timesOutAgainstNothingWithTheReason() throws Exception {
    int port = TestSshServer.freePort();
    long t0 = System.nanoTime();
    GuestSshException e =
        assertThrows(
            GuestSshException.class,
            () -> ssh.awaitReady(IP, port, null, Duration.ofMillis(1500), () -> false));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 1400 && ms < 3500, "took " + ms + " ms");
    assertFalse(e instanceof HostKeyMismatchException);
    String m = e.getMessage();
    assertTrue(m.startsWith("guest 127.0.0.1:" + port + " not ready over SSH after 1.5 s ("), m);
    assertTrue(m.toLowerCase().contains("connection refused"), m);
  }

  @Test
  void cancellationStopsItPromptly() throws Exception {
    int port = TestSshServer.freePort();
    AtomicBoolean cancel = new AtomicBoolean();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Thread.sleep(400);
              } catch (InterruptedException e) {
                return;
              }
              cancel.set(true);
            });
    long t0 = System.nanoTime();
    assertThrows(
        CancellationException.class,
        () -> ssh.awaitReady(IP, port, null, Duration.ofMinutes(1), cancel::get));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 1500, "took " + ms + " ms");
  }

  @Test
  void anInterruptCancelsAndStaysSet() throws Exception {
    int port = TestSshServer.freePort();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean stillInterrupted = new AtomicBoolean();
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    ssh.awaitReady(IP, port, null, Duration.ofMinutes(1), () -> false);
                  } catch (Throwable e) {
                    thrown.set(e);
                    stillInterrupted.set(Thread.currentThread().isInterrupted());
                  }
                });
    Thread.sleep(300);
    t.interrupt();
    t.join(2000);
    assertFalse(t.isAlive());
    assertInstanceOf(CancellationException.class, thrown.get());
    assertTrue(stillInterrupted.get());
  }

  @Test
  void aChangedHostKeyStopsAtOnceWithoutRetrying() throws Exception {
    server = TestSshServer.start(identity.publicKey());
    var impostor = KnownHostsTest.ed25519().getPublic();
    knownHosts.verifyOrPin(IP, server.port(), List.of("dev.vm"), impostor);
    long t0 = System.nanoTime();
    HostKeyMismatchException e =
        assertThrows(
            HostKeyMismatchException.class,
            () -> ssh.awaitReady(IP, server.port(), "dev.vm", Duration.ofSeconds(30), () -> false));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms < 3000, "took " + ms + " ms");
    assertTrue(e.getMessage().contains("possible MITM"), e.getMessage());
    assertTrue(
        e.getMessage().contains(KeyUtils.getFingerPrint(server.hostKey.getPublic())),
        e.getMessage());
    assertEquals(0, server.authentications.get(), "no authentication to an unverified host");
    assertEquals(List.of(), server.commands);
    assertThrows(
        HostKeyMismatchException.class, () -> ssh.exec(IP, server.port(), null, "true", T));
  }

  @Test
  void aKeyTheGuestDoesNotAuthorizeTimesOutSayingSo() throws Exception {
    server = TestSshServer.start(KnownHostsTest.ed25519().getPublic());
    GuestSshException e =
        assertThrows(
            GuestSshException.class,
            () -> ssh.awaitReady(IP, server.port(), null, Duration.ofMillis(1500), () -> false));
    assertTrue(e.getMessage().contains("SSH handshake failed"), e.getMessage());
  }

  @Test
  void execReturnsStatusAndOutput() throws Exception {
    server = TestSshServer.start(identity.publicKey());
    int port = server.port();
    assertEquals(0, ssh.exec(IP, port, "dev.vm", "true", T).exitStatus());
    assertEquals(1, ssh.exec(IP, port, "dev.vm", "false", T).exitStatus());
    assertEquals(3, ssh.exec(IP, port, "dev.vm", "exit 3", T).exitStatus());
    GuestSsh.ExecResult echo = ssh.exec(IP, port, "dev.vm", "echo hello there", T);
    assertEquals("hello there\n", echo.stdoutText());
    assertEquals("", echo.stderrText());
    GuestSsh.ExecResult err = ssh.exec(IP, port, "dev.vm", "err oops", T);
    assertEquals("", err.stdoutText());
    assertEquals("oops\n", err.stderrText());
    assertFalse(err.truncated());
    // stdin is at end of file, so a command reading it ends
    GuestSsh.ExecResult cat = ssh.exec(IP, port, "dev.vm", "cat", T);
    assertEquals(0, cat.exitStatus());
    assertEquals("", cat.stdoutText());
  }

  @Test
  void captureIsBoundedAndSaysSo() throws Exception {
    server = TestSshServer.start(identity.publicKey());
    GuestSsh.ExecResult r =
        ssh.exec(
            IP,
            server.port(),
            null,
            "big " + (GuestSsh.CAPTURE_LIMIT + 100_000),
            Duration.ofSeconds(60));
    assertEquals(0, r.exitStatus());
    assertEquals(GuestSsh.CAPTURE_LIMIT, r.stdout().length);
    assertTrue(r.stdoutTruncated());
    assertFalse(r.stderrTruncated());
  }

  @Test
  void streamingExecCopiesOutputAsItComes() throws Exception {
    server = TestSshServer.start(identity.publicKey());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(0, ssh.exec(IP, server.port(), null, "echo streamed", T, out, err));
    assertEquals("streamed\n", out.toString(StandardCharsets.UTF_8));
    assertEquals(0, ssh.exec(IP, server.port(), null, "err to stderr", T, out, err));
    assertEquals("to stderr\n", err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aCommandThatOutlivesItsTimeoutFails() throws Exception {
    server = TestSshServer.start(identity.publicKey());
    long t0 = System.nanoTime();
    GuestSshException e =
        assertThrows(
            GuestSshException.class,
            () -> ssh.exec(IP, server.port(), null, "sleep 10000", Duration.ofMillis(800)));
    assertTrue((System.nanoTime() - t0) / 1_000_000 < 3000);
    assertTrue(e.getMessage().contains("`sleep 10000` timed out"), e.getMessage());
  }

  @Test
  void execAgainstNothingSaysWhy() throws Exception {
    int port = TestSshServer.freePort();
    GuestSshException e =
        assertThrows(GuestSshException.class, () -> ssh.exec(IP, port, null, "true", T));
    assertTrue(e.getMessage().startsWith("ssh to 127.0.0.1:" + port + ": "), e.getMessage());
    assertTrue(e.getMessage().toLowerCase().contains("connection refused"), e.getMessage());
  }

  @Test
  void poweroffTreatsTheConnectionClosingAsSuccess() throws Exception {
    server = TestSshServer.start(identity.publicKey());
    ssh.poweroff(IP, server.port(), "dev.vm", T);
    assertEquals(List.of(GuestSsh.POWEROFF_COMMAND), server.commands);
  }

  @Test
  void aPoweroffTheGuestRefusesIsAnError() throws Exception {
    server = TestSshServer.start(identity.publicKey());
    server.poweroffFails = true;
    GuestSshException e =
        assertThrows(GuestSshException.class, () -> ssh.poweroff(IP, server.port(), null, T));
    assertTrue(e.getMessage().contains("exited 1"), e.getMessage());
    assertTrue(e.getMessage().contains("Access denied"), e.getMessage());
  }

  @Test
  void hostileTargetsAreRejectedBeforeConnecting() {
    assertThrows(IllegalArgumentException.class, () -> ssh.exec("dev.vm", 22, null, "true", T));
    assertThrows(
        IllegalArgumentException.class,
        () -> ssh.exec("127.0.0.1 -oProxyCommand=x", 22, null, "true", T));
    assertThrows(IllegalArgumentException.class, () -> ssh.exec(IP, 22, "a,b", "true", T));
    assertThrows(IllegalArgumentException.class, () -> ssh.exec(IP, 0, null, "true", T));
    assertThrows(IllegalArgumentException.class, () -> ssh.awaitReady(IP, 22, "*", T, () -> false));
  }

  @Test
  void theClientReadsNoneOfTheUsersSshFiles() throws Exception {
    var c = ssh.client();
    assertEquals(HostConfigEntryResolver.EMPTY, c.getHostConfigEntryResolver());
    assertInstanceOf(PinningVerifier.class, c.getServerKeyVerifier());
    assertEquals(List.of(UserAuthPublicKeyFactory.INSTANCE), c.getUserAuthFactories());
    assertNull(c.getAgentFactory());
    assertFalse(c.getPasswordIdentityProvider().loadPasswords(null).iterator().hasNext());
    var keys = new java.util.ArrayList<java.security.KeyPair>();
    c.getKeyIdentityProvider().loadKeys(null).forEach(keys::add);
    assertEquals(1, keys.size());
    assertTrue(KeyUtils.compareKeys(identity.publicKey(), keys.get(0).getPublic()));
  }
}
