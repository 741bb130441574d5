package dev.banger.vm.app.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.vm.app.AppHarness;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.ports.GuestProcess;
import dev.banger.vm.store.VmState;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest whose sshd takes the channel but whose shell never prints the pid line: Exec gives up
 * after its deadline with UNAVAILABLE and closes the channel, instead of waiting for ever.
 */
class GuestExecDeadlineTest {

  @TempDir Path dir;

  /** A channel whose stderr says {@code pidLine} (or nothing when null); close() ends it. */
  static final class SilentProcess implements GuestProcess {
    final PipedOutputStream writer = new PipedOutputStream();
    final PipedInputStream stderr;
    volatile boolean closed;

    SilentProcess(String pidLine) throws Exception {
      stderr = new PipedInputStream(writer);
      if (pidLine != null) {
        writer.write(pidLine.getBytes(StandardCharsets.US_ASCII));
        writer.flush();
      }
    }

    public OutputStream stdin() {
      return OutputStream.nullOutputStream();
    }

    public InputStream stdout() {
      return InputStream.nullInputStream();
    }

    public InputStream stderr() {
      return stderr;
    }

    public void resize(int columns, int rows) {}

    public Optional<Ended> await(Duration wait) {
      return Optional.empty();
    }

    public void close() {
      closed = true;
      try {
        writer.close();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  GuestExec execWith(SilentProcess process, Duration deadline) throws Exception {
    AppHarness h = new AppHarness(dir);
    h.recordVmWithAddress("box", VmState.RUNNING);
    GuestAccess guest =
        (GuestAccess)
            Proxy.newProxyInstance(
                GuestAccess.class.getClassLoader(),
                new Class<?>[] {GuestAccess.class},
                (self, method, args) -> {
                  if (method.getName().equals("start")) {
                    return process;
                  }
                  throw new UnsupportedOperationException(method.getName());
                });
    return new GuestExec(new VmLookup(h.store), guest, deadline);
  }

  static ExecOrder order() {
    return new ExecOrder("box", List.of("true"), false, Map.of(), "", "", false, 0, 0, null);
  }

  @Test
  @Timeout(10) // without the deadline the start would wait for ever
  void aShellThatNeverStartsIsGivenUpAfterTheDeadline() throws Exception {
    SilentProcess silent = new SilentProcess(null);
    GuestExec exec = execWith(silent, Duration.ofMillis(300));
    long t0 = System.nanoTime();
    VmProblem p = assertThrows(VmProblem.class, () -> exec.start(order()));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(VmProblem.Kind.UNAVAILABLE, p.kind());
    assertTrue(p.getMessage().contains("did not start the command within"), p.getMessage());
    assertTrue(silent.closed, "the channel was closed");
    assertTrue(ms < 5_000, "gave up in " + ms + " ms");
  }

  @Test
  void aPidInTimeIsUsedAndTheChannelStaysOpen() throws Exception {
    SilentProcess ok = new SilentProcess("4242\n");
    GuestExec exec = execWith(ok, Duration.ofSeconds(30));
    try (GuestExec.Running r = exec.start(order())) {
      assertEquals(4242, r.pid());
      Thread.sleep(100);
      assertTrue(!ok.closed, "a deadline that did not pass closes nothing");
    }
  }
}
