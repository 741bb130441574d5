package dev.banger.vm.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.kit.process.HostCommandRunner;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host's OpenSSH client as vm-service runs it for bulk input, against the MINA test server on
 * 127.0.0.1 with banger's key and the pin MINA made: stdin arrives whole, exit status and stderr
 * come back, an unpinned host key or a refused connection is an error that says so, and a cancel or
 * a failing producer leaves no ssh process behind.
 */
class OpenSshExecTest {

  private static final Duration T = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private SshIdentity identity;
  private KnownHosts knownHosts;
  private TestSshServer server;
  private OpenSshExec exec;

  @BeforeEach
  void setUp() throws Exception {
    Path ssh = OpenSshExec.locate();
    assumeTrue(
        ssh != null,
        "needs the OpenSSH client (apt-get install openssh-client; .ci/run installs it)");
    identity = SshIdentity.loadOrCreate(tmp.resolve("ssh"));
    knownHosts = new KnownHosts(tmp.resolve("ssh/known_hosts"));
    server = TestSshServer.start(identity.publicKey());
    try (GuestSsh mina = new GuestSsh(identity, knownHosts)) {
      mina.awaitReady(
          "127.0.0.1", server.port(), null, Duration.ofSeconds(10), () -> false); // pins the key
    }
    server.commands.clear();
    exec =
        new OpenSshExec(new HostCommandRunner(), ssh, identity.privateKeyFile(), knownHosts.file());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private int run(String command, GuestSsh.Input in, OutputStream out, OutputStream err)
      throws Exception {
    return exec.exec("127.0.0.1", server.port(), command, T, in, out, err, () -> false);
  }

  /** ssh processes of this test (its known_hosts path is on their command line). */
  private List<String> ourSshProcesses() throws Exception {
    return ProcessHandle.allProcesses()
        .filter(
            h ->
                h.info()
                    .arguments()
                    .map(a -> String.join(" ", a))
                    .orElse("")
                    .contains(knownHosts.file().toString()))
        .map(h -> h.pid() + " " + h.info().command().orElse(""))
        .toList();
  }

  @Test
  void stdinArrivesWholeAndTheStatusAndStderrComeBack() throws Exception {
    byte[] data = new byte[4 << 20];
    new Random(3).nextBytes(data);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, run("cat", stdin -> stdin.write(data), out, OutputStream.nullOutputStream()));
    assertArrayEquals(data, out.toByteArray());
    assertEquals(
        3,
        run(
            "exit 3",
            stdin -> {},
            OutputStream.nullOutputStream(),
            OutputStream.nullOutputStream()));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(0, run("err it went wrong", stdin -> {}, OutputStream.nullOutputStream(), err));
    assertEquals("it went wrong\n", err.toString());
    assertEquals(List.of("cat", "exit 3", "err it went wrong"), server.commands);
  }

  @Test
  void anUnpinnedHostKeyIsRefusedBeforeAuthenticating() throws Exception {
    Path empty = Files.createFile(tmp.resolve("empty_known_hosts"));
    OpenSshExec unpinned =
        new OpenSshExec(
            new HostCommandRunner(), OpenSshExec.locate(), identity.privateKeyFile(), empty);
    int before = server.authentications.get();
    GuestSshException e =
        assertThrows(
            GuestSshException.class,
            () ->
                unpinned.exec(
                    "127.0.0.1",
                    server.port(),
                    "true",
                    T,
                    stdin -> {},
                    OutputStream.nullOutputStream(),
                    OutputStream.nullOutputStream(),
                    () -> false));
    assertTrue(e.getMessage().contains("Host key verification failed"), e.getMessage());
    assertTrue(
        e.getMessage().startsWith("ssh to 127.0.0.1:" + server.port() + " failed"), e.getMessage());
    assertEquals(before, server.authentications.get(), "no authentication to an unverified host");
    assertEquals(List.of(), server.commands);
  }

  @Test
  void aRefusedConnectionSaysSo() throws Exception {
    int port = TestSshServer.freePort();
    GuestSshException e =
        assertThrows(
            GuestSshException.class,
            () ->
                exec.exec(
                    "127.0.0.1",
                    port,
                    "true",
                    T,
                    stdin -> stdin.write(new byte[1 << 20]),
                    OutputStream.nullOutputStream(),
                    OutputStream.nullOutputStream(),
                    () -> false));
    assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
  }

  @Test
  void aCancelStopsItAndLeavesNoProcess() throws Exception {
    AtomicBoolean cancel = new AtomicBoolean();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Thread.sleep(500);
              } catch (InterruptedException e) {
                return;
              }
              cancel.set(true);
            });
    long t0 = System.nanoTime();
    // The guest never reads its stdin, so the write blocks once the SSH window is full: the cancel
    // must get through a blocked write, not only between writes.
    assertThrows(
        CancellationException.class,
        () ->
            exec.exec(
                "127.0.0.1",
                server.port(),
                "sleep 60000",
                T,
                stdin -> stdin.write(new byte[64 << 20]),
                OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream(),
                cancel::get));
    assertTrue(
        System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos(), "well before the guest's 60 s");
    assertEquals(List.of(), ourSshProcesses());
  }

  @Test
  void aStalledGuestTimesOutAndLeavesNoProcess() throws Exception {
    long t0 = System.nanoTime();
    GuestSshException e =
        assertThrows(
            GuestSshException.class,
            () ->
                exec.exec(
                    "127.0.0.1",
                    server.port(),
                    "sleep 60000",
                    Duration.ofSeconds(2),
                    stdin -> stdin.write(new byte[64 << 20]),
                    OutputStream.nullOutputStream(),
                    OutputStream.nullOutputStream(),
                    () -> false));
    assertTrue(e.getMessage().contains("timed out after 2 s"), e.getMessage());
    assertTrue(
        System.nanoTime() - t0 < Duration.ofSeconds(20).toNanos(), "well before the guest's 60 s");
    assertEquals(List.of(), ourSshProcesses());
  }

  @Test
  void aProducerThatFailsEndsItAndLeavesNoProcess() throws Exception {
    CancellationException e =
        assertThrows(
            CancellationException.class,
            () ->
                run(
                    "cat",
                    stdin -> {
                      stdin.write(new byte[1 << 16]);
                      throw new CancellationException("prepare cancelled");
                    },
                    OutputStream.nullOutputStream(),
                    OutputStream.nullOutputStream()));
    assertEquals("prepare cancelled", e.getMessage());
    assertEquals(List.of(), ourSshProcesses());
  }

  @Test
  void aProducersOwnFailureIsTheErrorNotTheGuestsStatus() throws Exception {
    GuestSshException e =
        assertThrows(
            GuestSshException.class,
            () ->
                run(
                    "cat",
                    stdin -> {
                      stdin.write(new byte[1 << 16]);
                      throw new java.io.IOException(
                          "/repo/big.bin shrank while it was being sent; prepare again");
                    },
                    OutputStream.nullOutputStream(),
                    OutputStream.nullOutputStream()));
    assertEquals(
        "ssh to 127.0.0.1:"
            + server.port()
            + ": /repo/big.bin shrank while it was being sent; prepare again",
        e.getMessage());
    assertEquals(List.of(), ourSshProcesses());
  }

  @Test
  void theCommandLineTakesOnlyCheckedValues() {
    List<String> argv = exec.argv("10.0.0.7", 22, "tar -x -f - -C '/root/repo'");
    assertEquals(
        List.of("-l", "root", "10.0.0.7", "tar -x -f - -C '/root/repo'"),
        argv.subList(argv.size() - 4, argv.size()),
        "the user, the address and the command come last: " + argv);
    assertEquals(OpenSshExec.locate().toString(), argv.getFirst());
    for (String must :
        List.of(
            "-F",
            "/dev/null",
            "StrictHostKeyChecking=yes",
            "GlobalKnownHostsFile=/dev/null",
            "IdentitiesOnly=yes",
            "IdentityAgent=none",
            "BatchMode=yes",
            "ControlPath=none",
            "ProxyCommand=none",
            "UpdateHostKeys=no",
            "UserKnownHostsFile=" + knownHosts.file())) {
      assertTrue(argv.contains(must), must + " in " + argv);
    }
    for (String bad :
        List.of(
            "-oProxyCommand=sh",
            "1.2.3",
            "256.1.1.1",
            "::1",
            "dev.vm",
            "10.0.0.7 ",
            "",
            "01.2.3.4x")) {
      assertThrows(IllegalArgumentException.class, () -> exec.argv(bad, 22, "true"), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> exec.argv("10.0.0.7", 0, "true"));
    assertThrows(IllegalArgumentException.class, () -> exec.argv("10.0.0.7", 65536, "true"));
    assertFalse(String.join(" ", argv).contains("sh -c"), "no shell on the host");
  }
}
