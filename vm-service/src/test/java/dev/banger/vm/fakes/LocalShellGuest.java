package dev.banger.vm.fakes;

import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.ports.GuestProcess;
import dev.banger.vm.ssh.GuestSsh;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A guest whose shell is this host's: each script runs under {@code setsid /bin/sh -c}, in a
 * session of its own as sshd starts one, so banger's exec scripts, their pid line and their kill
 * are tested for real without a VM. The gap to a guest: no SSH transport and no terminal (a tty
 * request runs without one); ExecIT covers those on a booted guest.
 */
public final class LocalShellGuest implements GuestAccess {

  /** Every script {@link #start} ran, in order. */
  public final List<String> scripts = new CopyOnWriteArrayList<>();

  /** The processes {@link #start} made, in order. */
  public final List<Process> processes = new CopyOnWriteArrayList<>();

  @Override
  public GuestProcess start(
      String ip, String name, String script, boolean tty, int columns, int rows) throws Exception {
    scripts.add(script);
    Process p = new ProcessBuilder("setsid", "/bin/sh", "-c", script).start();
    processes.add(p);
    return new GuestProcess() {
      @Override
      public OutputStream stdin() {
        return p.getOutputStream();
      }

      @Override
      public InputStream stdout() {
        return p.getInputStream();
      }

      @Override
      public InputStream stderr() {
        return p.getErrorStream();
      }

      @Override
      public void resize(int c, int r) {}

      @Override
      public Optional<Ended> await(Duration wait) throws InterruptedException {
        if (!p.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
          return Optional.empty();
        }
        int v = p.exitValue();
        // Java reports a process a signal ended as 128 + the signal.
        return Optional.of(v > 128 ? new Ended(null, "SIG" + (v - 128)) : new Ended(v, null));
      }

      @Override
      public void close() {
        try {
          p.getOutputStream().close();
        } catch (java.io.IOException e) {
          // already closed
        }
      }
    };
  }

  @Override
  public int run(
      String ip,
      String name,
      String command,
      Duration timeout,
      GuestSsh.Input input,
      OutputStream out,
      OutputStream err,
      BooleanSupplier cancelled)
      throws Exception {
    Process p = new ProcessBuilder("/bin/sh", "-c", command).start();
    p.getOutputStream().close();
    p.getInputStream().transferTo(out);
    p.getErrorStream().transferTo(err);
    return p.waitFor();
  }

  @Override
  public String authorizedKeysLine() {
    return "ssh-ed25519 AAAA banger";
  }

  @Override
  public void awaitReady(String ip, String name, Duration timeout, BooleanSupplier cancelled) {}

  @Override
  public void awaitReadyRunning(
      String ip,
      String name,
      Duration timeout,
      BooleanSupplier cancelled,
      String command,
      dev.banger.vm.ssh.GuestSsh.Input input) {
    throw new UnsupportedOperationException("re-identify is tested with FakeGuest");
  }

  @Override
  public boolean poweroff(String ip, String name) {
    return false;
  }

  @Override
  public int send(
      String ip,
      String name,
      String command,
      Duration timeout,
      GuestSsh.Input input,
      OutputStream err,
      BooleanSupplier cancelled) {
    throw new UnsupportedOperationException("not used by exec");
  }

  @Override
  public void forget(String ip, String name) {}
}
