package dev.banger.vm.ssh;

import dev.banger.kit.ops.Cancellation;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.future.AuthFuture;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.future.WaitableFuture;

/**
 * vm-service's SSH client to its guests: user root, banger's key, banger's known_hosts. One MINA
 * {@link SshClient} (its I/O threads) is started here and shared by every call; each call opens its
 * own session and closes it, since calls are rare (readiness, a poweroff, a copy) and a fresh
 * session never carries a half-dead connection over.
 *
 * <p>Commands are one string that the guest's login shell runs, which is what SSH carries ({@code
 * ssh host 'cmd'} does the same). Callers that put values into a command must quote them for a
 * POSIX shell themselves; nothing here splits or escapes.
 */
public final class GuestSsh implements AutoCloseable {

  public static final String USER = "root";

  /**
   * How much of each of stdout and stderr {@link #exec(String, int, String, String, Duration)}
   * keeps.
   */
  public static final int CAPTURE_LIMIT = 16 << 20;

  /**
   * A guest booted by banger's guest kit is stopped through the kit's PID 1 (a USR2, as busybox's
   * poweroff sends; docs/guest-kit.md), since its image may have systemd's tools without systemd
   * running; any other guest through systemd, or a poweroff of its own.
   */
  static final String POWEROFF_COMMAND =
      "if [ -x /.banger/libexec/pid1 ]; then exec /.banger/bin/kill -USR2 1; fi;"
          + " systemctl poweroff || poweroff";

  // Readiness retries quickly: a booting guest refuses connections until sshd listens, and a
  // short connect bound notices the moment it does. Before the guest's NIC is up a connect is
  // not refused but hangs on ARP, so a long bound there delays readiness by as much (VmBench
  // measured 3 s more than a raw boot with 3 s and a backoff to 1 s). The handshake bound is
  // longer because sshd under TCG on a busy host can take seconds to answer.
  static final Duration READY_CONNECT = Duration.ofMillis(1500);
  static final Duration HANDSHAKE = Duration.ofSeconds(10);
  static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  static final Duration MAX_BACKOFF = Duration.ofMillis(250);

  /** Connect bound outside readiness, where the guest should already be up. */
  static final Duration CONNECT = Duration.ofSeconds(10);

  /** How often waits look at the cancel flag. */
  private static final long POLL_MS = 50;

  /**
   * How long {@link #awaitReady} took, for progress messages ("SSH ready after 7 attempts, 9.2 s").
   */
  public record Readiness(int attempts, Duration elapsed) {}

  /**
   * A finished command. Each stream keeps at most {@link #CAPTURE_LIMIT} bytes; the flags say when
   * more came.
   */
  public record ExecResult(
      int exitStatus,
      byte[] stdout,
      byte[] stderr,
      boolean stdoutTruncated,
      boolean stderrTruncated) {
    public String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
      return new String(stderr, StandardCharsets.UTF_8);
    }

    public boolean truncated() {
      return stdoutTruncated || stderrTruncated;
    }
  }

  /** The guest could not be reached or did not answer; readiness retries these. */
  private static class Unreachable extends GuestSshException {
    private static final long serialVersionUID = 1L;
    final String reason;

    Unreachable(String where, String reason, Throwable cause) {
      super("ssh to " + where + ": " + reason, cause);
      this.reason = reason;
    }
  }

  /** A bound ran out; poweroff must not mistake it for the guest going away. */
  private static final class TimedOut extends Unreachable {
    private static final long serialVersionUID = 1L;

    TimedOut(String where, String what) {
      super(where, what + " timed out", null);
    }
  }

  private final SshClient client;

  public GuestSsh(SshIdentity identity, KnownHosts knownHosts) {
    this.client = SshClients.forGuests(identity, knownHosts);
    client.start();
  }

  /** For tests that check what the client may read. */
  SshClient client() {
    return client;
  }

  /**
   * Waits until the guest is ready: an SSH handshake with the pinned (or newly pinned) host key
   * succeeds and {@code true} runs there with exit status 0. Attempts repeat, with a backoff
   * growing from 100 ms to 1 s, until one succeeds or {@code timeout} passes.
   *
   * @param pinAlias the guest's DNS name ({@code name.vm}) to pin along with its address, or null
   * @throws HostKeyMismatchException at once, without retrying, when the guest's key is not the
   *     pinned one
   * @throws GuestSshException when {@code timeout} passes; the message carries the last attempt's
   *     error
   * @throws CancellationException when {@code cancelled} says so or the thread is interrupted (the
   *     interrupt stays set)
   */
  public Readiness awaitReady(
      String ip, int port, String pinAlias, Duration timeout, BooleanSupplier cancelled)
      throws GuestSshException {
    return awaitReady(ip, port, pinAlias, timeout, cancelled, "true", null);
  }

  /**
   * As {@link #awaitReady(String, int, String, Duration, BooleanSupplier)}, with {@code command}
   * (fed {@code input} afresh on every attempt) as the probe instead of {@code true}: a caller
   * whose first command is idempotent saves a second handshake, which costs a guest under TCG about
   * a second.
   */
  public Readiness awaitReady(
      String ip,
      int port,
      String pinAlias,
      Duration timeout,
      BooleanSupplier cancelled,
      String command,
      Input input)
      throws GuestSshException {
    PinningVerifier.Target t = target(ip, port, pinAlias);
    String where = ip + ":" + port;
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    Duration backoff = FIRST_BACKOFF;
    String last = "no attempt was made";
    int attempts = 0;
    while (true) {
      checkCancel(cancelled, where);
      attempts++;
      try (ClientSession s = open(t, deadline, READY_CONNECT, cancelled)) {
        ChannelOutcome o = new ChannelOutcome();
        o.input = input;
        BoundedBuffer err = new BoundedBuffer(4096);
        Integer status =
            run(
                s,
                command,
                bound(deadline, HANDSHAKE),
                OutputStream.nullOutputStream(),
                err,
                cancelled,
                where,
                o);
        if (status != null && status == 0) {
          return new Readiness(attempts, Duration.ofNanos(System.nanoTime() - start));
        }
        String shown = command.equals("true") ? "`true`" : "the readiness command";
        String said =
            err.bytes().length == 0
                ? ""
                : ": " + new String(err.bytes(), StandardCharsets.UTF_8).strip();
        if (status != null && !command.equals("true")) {
          // The guest answered and ran it: its failure will not change by asking again.
          throw new GuestSshException(
              shown + " failed on " + where + " (exit " + status + ")" + said);
        }
        last =
            status == null
                ? shown + " ended without an exit status"
                : shown + " exited with status " + status + said;
      } catch (Unreachable e) {
        // An attempt cut short by the overall deadline says less than the one before it did
        // ("connection refused" beats "connect timed out").
        boolean cutShort =
            e instanceof TimedOut && System.nanoTime() - deadline >= 0 && attempts > 1;
        if (!cutShort) {
          last = e.reason;
        }
      } catch (IOException e) {
        last = reason(e); // closing the session; the attempt itself is what counted
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new GuestSshException(
            String.format(
                "guest %s not ready over SSH after %.1f s (%d attempt%s): %s",
                where, timeout.toMillis() / 1000.0, attempts, attempts == 1 ? "" : "s", last));
      }
      pause(Math.min(backoff.toNanos(), left), cancelled, where);
      backoff =
          backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
              ? MAX_BACKOFF
              : backoff.multipliedBy(2);
    }
  }

  /**
   * Runs {@code command} (see the class comment on quoting) and keeps its output.
   *
   * @param timeout for everything: connecting, authenticating and the command itself
   * @throws GuestSshException when the guest cannot be reached, the command outlives {@code
   *     timeout}, or it ends without an exit status (killed by a signal)
   */
  public ExecResult exec(String ip, int port, String pinAlias, String command, Duration timeout)
      throws GuestSshException {
    BoundedBuffer out = new BoundedBuffer(CAPTURE_LIMIT);
    BoundedBuffer err = new BoundedBuffer(CAPTURE_LIMIT);
    int status = exec(ip, port, pinAlias, command, timeout, out, err);
    return new ExecResult(status, out.bytes(), err.bytes(), out.truncated(), err.truncated());
  }

  /**
   * Runs {@code command} with its stdout and stderr copied to {@code out} and {@code err} as they
   * arrive (on MINA's threads; the streams are not closed). Its stdin is at end of file.
   *
   * @return the command's exit status
   */
  public int exec(
      String ip,
      int port,
      String pinAlias,
      String command,
      Duration timeout,
      OutputStream out,
      OutputStream err)
      throws GuestSshException {
    return exec(ip, port, pinAlias, command, timeout, null, out, err, () -> false);
  }

  /** What feeds a command's stdin; it is closed (end of file) after {@link #writeTo} returns. */
  public interface Input {
    void writeTo(OutputStream stdin) throws IOException;
  }

  /**
   * Runs {@code command} with {@code input} written to its stdin (in this thread, at the channel's
   * pace; null: end of file at once), its stdout and stderr copied to {@code out} and {@code err}.
   *
   * @return the command's exit status
   * @throws CancellationException when {@code cancelled} turns true (the channel is closed)
   */
  public int exec(
      String ip,
      int port,
      String pinAlias,
      String command,
      Duration timeout,
      Input input,
      OutputStream out,
      OutputStream err,
      BooleanSupplier cancelled)
      throws GuestSshException {
    PinningVerifier.Target t = target(ip, port, pinAlias);
    String where = ip + ":" + port;
    long deadline = System.nanoTime() + timeout.toNanos();
    try (ClientSession s = open(t, deadline, CONNECT, cancelled)) {
      ChannelOutcome o = new ChannelOutcome();
      o.input = input;
      Integer status = run(s, command, deadline, out, err, cancelled, where, o);
      if (status == null) {
        throw new GuestSshException(
            "`"
                + display(command)
                + "` on "
                + where
                + " ended without an exit status"
                + (o.signal == null ? " (the connection closed)" : " (signal " + o.signal + ")"));
      }
      return status;
    } catch (IOException e) {
      throw new GuestSshException("ssh to " + where + ": " + reason(e), e);
    }
  }

  /**
   * Starts {@code script} on a session and channel of its own (closed with the returned process),
   * with a terminal when {@code tty}; returns once the channel is open.
   */
  public SshProcess start(
      String ip, int port, String pinAlias, String script, boolean tty, int columns, int rows)
      throws GuestSshException {
    PinningVerifier.Target t = target(ip, port, pinAlias);
    String where = ip + ":" + port;
    long deadline = System.nanoTime() + CONNECT.toNanos();
    ClientSession s = open(t, deadline, CONNECT, () -> false);
    try {
      ChannelExec ch = s.createExecChannel(script);
      if (tty) {
        ch.setUsePty(true);
        ch.setPtyType("xterm-256color");
        ch.setPtyColumns(columns == 0 ? 80 : columns);
        ch.setPtyLines(rows == 0 ? 24 : rows);
      }
      OpenFuture of = ch.open();
      await(of, deadline, () -> false, where, "opening a channel");
      if (!of.isOpened()) {
        throw new Unreachable(
            where, "cannot run a command: " + reason(of.getException()), of.getException());
      }
      return new SshProcess(s, ch);
    } catch (IOException | GuestSshException | RuntimeException e) {
      s.close(true);
      if (e instanceof GuestSshException g) {
        throw g;
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new Unreachable(where, reason(e), e);
    }
  }

  /**
   * Asks the guest to power off ({@value #POWEROFF_COMMAND}). The guest closing the connection
   * before an exit status comes back is the expected success, not an error.
   *
   * @throws GuestSshException when the guest cannot be reached, or both commands fail there
   */
  public void poweroff(String ip, int port, String pinAlias, Duration timeout)
      throws GuestSshException {
    PinningVerifier.Target t = target(ip, port, pinAlias);
    String where = ip + ":" + port;
    long deadline = System.nanoTime() + timeout.toNanos();
    BooleanSupplier never = () -> false;
    try (ClientSession s = open(t, deadline, CONNECT, never)) {
      BoundedBuffer err = new BoundedBuffer(64 << 10);
      Integer status;
      try {
        status =
            run(s, POWEROFF_COMMAND, deadline, OutputStream.nullOutputStream(), err, never, where);
      } catch (TimedOut e) {
        throw e;
      } catch (Unreachable e) {
        return; // the channel or session went away under the request: the guest is going down
      }
      if (status != null && status != 0) {
        throw new GuestSshException(
            "guest "
                + where
                + " did not power off (`"
                + POWEROFF_COMMAND
                + "` exited "
                + status
                + "): "
                + new String(err.bytes(), StandardCharsets.UTF_8).strip());
      }
    } catch (IOException e) {
      // opening the channel on, or closing, a session the guest already dropped
    }
  }

  @Override
  public void close() {
    try {
      client.stop();
    } catch (RuntimeException e) {
      // stopping is best effort; the threads are daemons of MINA's own pool
    }
  }

  private static PinningVerifier.Target target(String ip, int port, String pinAlias) {
    String checkedIp = HostNames.checkIpv4(ip);
    HostNames.checkPort(port);
    List<String> aliases = pinAlias == null ? List.of() : List.of(HostNames.check(pinAlias));
    return new PinningVerifier.Target(checkedIp, port, aliases);
  }

  /** Connects and authenticates; each phase is bounded by {@code phase} and by {@code deadline}. */
  private ClientSession open(
      PinningVerifier.Target t, long deadline, Duration phase, BooleanSupplier cancelled)
      throws GuestSshException {
    String where = t.ip + ":" + t.port;
    ConnectFuture cf;
    try {
      cf = client.connect(USER, new InetSocketAddress(t.ip, t.port), t.asContext(), null);
    } catch (IOException e) {
      throw new Unreachable(where, reason(e), e);
    }
    try {
      await(cf, bound(deadline, phase), cancelled, where, "connect");
    } catch (GuestSshException | RuntimeException e) {
      // A connect that completes after we gave up must not leave a session open.
      cf.addListener(
          f -> {
            if (f.isConnected()) {
              f.getSession().close(true);
            }
          });
      cf.cancel();
      throw e;
    }
    if (!cf.isConnected()) {
      refused(t);
      throw new Unreachable(where, reason(cf.getException()), cf.getException());
    }
    ClientSession s = cf.getSession();
    try {
      AuthFuture af = s.auth();
      await(
          af,
          bound(deadline, HANDSHAKE.compareTo(phase) > 0 ? HANDSHAKE : phase),
          cancelled,
          where,
          "SSH handshake");
      refused(t);
      if (!af.isSuccess()) {
        throw new Unreachable(
            where, "SSH handshake failed: " + reason(af.getException()), af.getException());
      }
      return s;
    } catch (IOException | GuestSshException | RuntimeException e) {
      s.close(true);
      if (e instanceof GuestSshException g) {
        throw g;
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new Unreachable(where, reason(e), e);
    }
  }

  /** Throws the verifier's reason for refusing the host key, if it refused. */
  private static void refused(PinningVerifier.Target t) throws GuestSshException {
    Exception r = t.refusal.get();
    if (r instanceof HostKeyMismatchException m) {
      throw m;
    }
    if (r != null) {
      throw new GuestSshException(
          "cannot check the host key of " + t.ip + ":" + t.port + ": " + reason(r), r);
    }
  }

  /** What a finished channel said besides its exit status. */
  private static final class ChannelOutcome {
    String signal;
    Input input;
  }

  private static Integer run(
      ClientSession s,
      String command,
      long deadline,
      OutputStream out,
      OutputStream err,
      BooleanSupplier cancelled,
      String where)
      throws GuestSshException, IOException {
    return run(s, command, deadline, out, err, cancelled, where, new ChannelOutcome());
  }

  /**
   * @return the exit status, or null when the channel closed without one
   */
  private static Integer run(
      ClientSession s,
      String command,
      long deadline,
      OutputStream out,
      OutputStream err,
      BooleanSupplier cancelled,
      String where,
      ChannelOutcome outcome)
      throws GuestSshException, IOException {
    try (ChannelExec ch = s.createExecChannel(command)) {
      ch.setOut(out);
      ch.setErr(err);
      OpenFuture of = ch.open();
      await(of, deadline, cancelled, where, "opening a channel");
      if (!of.isOpened()) {
        throw new Unreachable(
            where, "cannot run a command: " + reason(of.getException()), of.getException());
      }
      if (outcome.input != null) {
        try (OutputStream stdin = ch.getInvertedIn()) {
          outcome.input.writeTo(stdin);
        }
      } else {
        // Nothing feeds guest commands: end of file on stdin, so one that reads it finishes.
        ch.getInvertedIn().close();
      }
      while (!ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), POLL_MS)
          .contains(ClientChannelEvent.CLOSED)) {
        checkCancel(cancelled, where);
        if (System.nanoTime() - deadline >= 0) {
          throw new TimedOut(where, "`" + display(command) + "`");
        }
      }
      outcome.signal = ch.getExitSignal();
      return ch.getExitStatus();
    }
  }

  private static void await(
      WaitableFuture f, long deadline, BooleanSupplier cancelled, String where, String what)
      throws GuestSshException {
    try {
      while (!f.isDone()) {
        checkCancel(cancelled, where);
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimedOut(where, what);
        }
        f.await(Math.min(POLL_MS, Math.max(1, left / 1_000_000)));
      }
    } catch (InterruptedIOException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted waiting for SSH on " + where);
    } catch (IOException e) {
      throw new Unreachable(where, reason(e), e);
    }
  }

  private static void pause(long nanos, BooleanSupplier cancelled, String where) {
    long end = System.nanoTime() + nanos;
    try {
      for (long left = nanos; left > 0; left = end - System.nanoTime()) {
        checkCancel(cancelled, where);
        Thread.sleep(Math.min(POLL_MS, Math.max(1, left / 1_000_000)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CancellationException("interrupted waiting for SSH on " + where);
    }
  }

  private static void checkCancel(BooleanSupplier cancelled, String where) {
    Cancellation.check(cancelled, "cancelled waiting for SSH on " + where);
  }

  private static long bound(long deadline, Duration phase) {
    long phaseEnd = System.nanoTime() + phase.toNanos();
    return deadline - phaseEnd < 0 ? deadline : phaseEnd;
  }

  /** The innermost message, as a phrase ("connection refused"). */
  static String reason(Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    String m = r.getMessage();
    if (m == null || m.isBlank()) {
      return r.getClass().getSimpleName();
    }
    if (m.length() > 1
        && Character.isUpperCase(m.charAt(0))
        && Character.isLowerCase(m.charAt(1))) {
      m = Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }
    return m;
  }

  /** A command for messages: one line, at most 80 characters. */
  private static String display(String command) {
    String c = command.replaceAll("\\s+", " ").strip();
    return c.length() <= 80 ? c : c.substring(0, 77) + "...";
  }
}
