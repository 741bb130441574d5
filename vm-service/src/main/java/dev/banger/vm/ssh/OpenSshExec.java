package dev.banger.vm.ssh;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.process.PipedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Runs one command in a guest through the host's OpenSSH client ({@code ssh}) with banger's key and
 * known_hosts, for the one call that pushes bulk bytes into a guest: a workspace's tar.
 *
 * <p>Why not MINA, vm-service's SSH client for everything else: under TCG the guest decrypts on an
 * emulated CPU and every host cycle vm-service spends is taken from QEMU's vCPU threads, and byte
 * for byte the JVM's SSH transport costs about three times the CPU of OpenSSH's C (a 200 MB
 * workspace: 2.8–5 s of JVM CPU against 1 s for git + tar + ssh; docs/benchmarks.md, "Workspaces").
 * The key, the pins and the trust rules are the same files MINA uses; OpenSSH only reads them.
 *
 * <p>Nothing goes through a shell on the host: the argv is fixed options, the guest address
 * (checked to be a dotted IPv4 address, so it cannot be read as an option) and the command, which
 * the guest's shell runs, as with MINA. The user's and the system's ssh configuration are ignored
 * ({@code -F /dev/null}), no agent ({@code IdentityAgent=none}: SSH_AUTH_SOCK is not used), no
 * forwarding, no multiplexing, no askpass ({@code BatchMode}). The process is started by
 * service-kit's CommandRunner, like every host program.
 */
public final class OpenSshExec {

  /** OpenSSH's own status for its failures (connection, authentication, host key). */
  static final int SSH_FAILED = 255;

  private static final Duration POLL = Duration.ofMillis(50);
  private static final Duration STOP_GRACE = Duration.ofSeconds(2);

  private final CommandRunner runner;
  private final Path ssh;
  private final Path key;
  private final Path knownHosts;

  public OpenSshExec(CommandRunner runner, Path ssh, Path key, Path knownHosts) {
    this.runner = runner;
    this.ssh = ssh;
    this.key = key;
    this.knownHosts = knownHosts;
  }

  /** The host's {@code ssh}, or null when it has none (then MINA carries bulk bytes too). */
  public static Path locate() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
      Path p = Path.of(dir, "ssh");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** The whole command line; no element comes from anything but checked values. */
  List<String> argv(String ip, int port, String command) {
    // The checks GuestSsh (MINA) makes of the same values.
    String checkedIp = HostNames.checkIpv4(ip);
    HostNames.checkPort(port);
    List<String> a =
        new ArrayList<>(
            List.of(
                ssh.toString(),
                "-F",
                "/dev/null",
                "-T",
                "-x",
                "-a",
                "-p",
                Integer.toString(port),
                "-i",
                key.toString(),
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "IdentityAgent=none",
                "-o",
                "UserKnownHostsFile=" + knownHosts,
                "-o",
                "GlobalKnownHostsFile=/dev/null",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UpdateHostKeys=no",
                "-o",
                "HostKeyAlgorithms=ssh-ed25519",
                "-o",
                "BatchMode=yes",
                "-o",
                "ControlMaster=no",
                "-o",
                "ControlPath=none",
                "-o",
                "ClearAllForwardings=yes",
                "-o",
                "PermitLocalCommand=no",
                "-o",
                "ProxyCommand=none",
                "-o",
                "ConnectTimeout=" + GuestSsh.CONNECT.toSeconds(),
                "-o",
                "ServerAliveInterval=15",
                "-o",
                "ServerAliveCountMax=4",
                "-o",
                "LogLevel=ERROR",
                "-l",
                GuestSsh.USER,
                checkedIp));
    a.add(command);
    return a;
  }

  /**
   * Runs {@code command} with {@code input} written to its stdin (in this thread; end of file after
   * it returns), stdout to {@code out} and stderr to {@code err}.
   *
   * @return the command's exit status
   * @throws GuestSshException when ssh itself fails (status 255: unreachable, refused, host key) or
   *     {@code timeout} passes; the process is gone either way
   * @throws CancellationException when {@code cancelled} turns true (or {@code input} throws it)
   */
  public int exec(
      String ip,
      int port,
      String command,
      Duration timeout,
      GuestSsh.Input input,
      OutputStream out,
      OutputStream err,
      BooleanSupplier cancelled)
      throws GuestSshException, InterruptedException {
    String where = ip + ":" + port;
    PipedProcess p;
    try {
      p = runner.pipe(Command.of(argv(ip, port, command)).build());
    } catch (CommandFailedException e) {
      throw new GuestSshException("cannot run " + ssh + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    BoundedBuffer errKept = new BoundedBuffer(8192);
    Thread outCopy = copy(p.stdout(), out, null, "ssh-out");
    Thread errCopy = copy(p.stderr(), err, errKept, "ssh-err");
    // Watches the cancel flag and the deadline while this thread may be blocked writing stdin (a
    // stalled guest stops reading): it ends the process, which unblocks the write.
    AtomicReference<String> stopped = new AtomicReference<>();
    Thread watchdog =
        Thread.ofVirtual()
            .name("ssh-watchdog")
            .start(
                () -> {
                  try {
                    while (!p.waitFor(POLL)) {
                      String why =
                          cancelled.getAsBoolean()
                              ? "cancelled"
                              : System.nanoTime() - deadline > 0
                                  ? "timed out after " + timeout.toSeconds() + " s"
                                  : null;
                      if (why != null) {
                        stopped.set(why);
                        p.stop(STOP_GRACE);
                        return;
                      }
                    }
                  } catch (InterruptedException e) {
                    // the call is over
                  }
                });
    try {
      IOException writeFailure = null;
      PipeEnd stdin = new PipeEnd(p.stdin());
      try (stdin) {
        input.writeTo(stdin);
      } catch (IOException e) {
        if (!stdin.failed) {
          // The producer's own failure (a file that shrank while it was read): say that, as MINA's
          // path does.
          throw new GuestSshException("ssh to " + where + ": " + e.getMessage(), e);
        }
        // A broken pipe: ssh is gone, and its status, its stderr or the watchdog say why.
        writeFailure = e;
      }
      while (!p.waitFor(POLL)) {
        // the watchdog ends it at the deadline
      }
      String stop = stopped.get();
      if ("cancelled".equals(stop)) {
        throw new CancellationException("`" + command + "` on " + where + " cancelled");
      }
      if (stop != null) {
        throw new GuestSshException("`" + command + "` on " + where + " " + stop);
      }
      outCopy.join();
      errCopy.join();
      int status = p.exitValue();
      if (status == SSH_FAILED) {
        String why = new String(errKept.bytes(), StandardCharsets.UTF_8).strip();
        throw new GuestSshException(
            "ssh to "
                + where
                + " failed"
                + (why.isEmpty() ? "" : ": " + why.lines().reduce((a, b) -> b).orElse("")));
      }
      if (writeFailure != null && status == 0) {
        throw new GuestSshException(
            "ssh to "
                + where
                + ": writing the command's input failed: "
                + writeFailure.getMessage(),
            writeFailure);
      }
      return status;
    } finally {
      watchdog.interrupt();
      p.stop(STOP_GRACE);
    }
  }

  /**
   * ssh's stdin, remembering whether a write to the pipe itself failed (ssh gone) or the producer
   * did.
   */
  private static final class PipeEnd extends java.io.FilterOutputStream {
    boolean failed;

    PipeEnd(OutputStream pipe) {
      super(pipe);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        failed = true;
        throw e;
      }
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        failed = true;
        throw e;
      }
    }

    @Override
    public void close() throws IOException {
      try {
        out.close();
      } catch (IOException e) {
        failed = true;
        throw e;
      }
    }
  }

  private static Thread copy(InputStream from, OutputStream to, OutputStream kept, String name) {
    return Thread.ofPlatform()
        .daemon()
        .name(name)
        .start(
            () -> {
              byte[] buf = new byte[8192];
              try (from) {
                int n;
                while ((n = from.read(buf)) > 0) {
                  to.write(buf, 0, n);
                  if (kept != null) {
                    kept.write(buf, 0, n);
                  }
                }
              } catch (IOException ignored) {
                // the process ended or was killed; what was read so far is what there is
              }
            });
  }
}
