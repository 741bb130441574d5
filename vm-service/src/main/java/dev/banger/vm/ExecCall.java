package dev.banger.vm;

import com.google.protobuf.ByteString;
import dev.banger.api.vm.v1.ExecExit;
import dev.banger.api.vm.v1.ExecRequest;
import dev.banger.api.vm.v1.ExecResponse;
import dev.banger.api.vm.v1.ExecStart;
import dev.banger.kit.grpc.Errors;
import dev.banger.vm.app.exec.ExecOrder;
import dev.banger.vm.app.exec.GuestExec;
import dev.banger.vm.ports.GuestProcess;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Exec call (docs/exec.md): the client's messages in, the program's output out, with flow
 * control both ways. Output is read from the guest only while the client's stream is ready, so a
 * slow reader stops the guest at SSH's window; the client's next message is requested only once the
 * last stdin chunk was written, so a fast writer waits for the guest.
 */
final class ExecCall implements StreamObserver<ExecRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(ExecCall.class);
  static final int CHUNK = 64 << 10;
  static final int MAX_STDIN_CHUNK = 1 << 20;
  private static final byte[] EOF = new byte[0];

  private final GuestExec exec;
  private final ServerCallStreamObserver<ExecResponse> out;
  private final Object ready = new Object();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final BlockingQueue<byte[]> stdin = new ArrayBlockingQueue<>(2);
  private volatile GuestExec.Running running;
  private volatile boolean started;

  ExecCall(GuestExec exec, StreamObserver<ExecResponse> responses) {
    this.exec = exec;
    this.out = (ServerCallStreamObserver<ExecResponse>) responses;
    out.disableAutoRequest();
    out.setOnReadyHandler(this::wakeWriters);
    out.setOnCancelHandler(this::clientGone);
    out.request(1); // the start message
  }

  @Override
  public void onNext(ExecRequest req) {
    if (!started) {
      started = true;
      if (!req.hasStart()) {
        fail(
            Errors.invalidArgument(
                "start", "the first message of an Exec call must be start (ExecStart)"));
        return;
      }
      ExecOrder order;
      try {
        order = order(req.getStart());
      } catch (RuntimeException e) {
        fail(VmErrors.toStatus(e));
        return;
      }
      // Connecting to the guest blocks: not on the transport's thread.
      Thread.ofVirtual().name("exec-start").start(() -> begin(order));
      return;
    }
    try {
      switch (req.getKindCase()) {
        case STDIN -> {
          if (req.getStdin().size() > MAX_STDIN_CHUNK) {
            throw Errors.invalidArgument(
                "stdin", "a stdin message holds at most " + MAX_STDIN_CHUNK + " bytes");
          }
          stdin.add(req.getStdin().toByteArray()); // room: one is requested at a time
        }
        case CLOSE_STDIN -> stdin.add(EOF);
        case RESIZE -> {
          GuestExec.Running r = running;
          if (r != null) {
            r.process().resize(req.getResize().getColumns(), req.getResize().getRows());
          }
          out.request(1);
        }
        case START -> throw Errors.invalidArgument("start", "start is sent once, first");
        default -> throw Errors.invalidArgument("kind", "an empty ExecRequest");
      }
    } catch (io.grpc.StatusRuntimeException e) {
      killAndFail(e);
    } catch (Exception e) {
      killAndFail(VmErrors.toStatus(e));
    }
  }

  @Override
  public void onError(Throwable t) {
    clientGone();
  }

  @Override
  public void onCompleted() {
    stdin.offer(EOF); // a half-close is end of file
  }

  private static ExecOrder order(ExecStart s) {
    return new ExecOrder(
        s.getVm(),
        s.getArgvList(),
        s.getShell(),
        Map.copyOf(s.getEnvMap()),
        s.getWorkingDir(),
        s.getUser(),
        s.getTty(),
        // uint32 on the wire: past int's range it arrives negative, which the rules refuse.
        s.getWindow().getColumns(),
        s.getWindow().getRows(),
        s.getTimeoutSeconds() == 0 ? null : Duration.ofSeconds(s.getTimeoutSeconds()));
  }

  private void begin(ExecOrder order) {
    GuestExec.Running r;
    try {
      r = exec.start(order);
    } catch (Exception e) {
      fail(VmErrors.toStatus(e));
      return;
    }
    running = r;
    if (ended.get()) { // the client left while we connected
      exec.kill(r);
      r.close();
      return;
    }
    out.request(1);
    GuestProcess p = r.process();
    Thread.ofVirtual().name("exec-stdin").start(() -> feed(p.stdin()));
    Thread err =
        r.tty()
            ? null
            : Thread.ofVirtual().name("exec-stderr").start(() -> pump(p.stderr(), false));
    Thread.ofVirtual().name("exec-stdout").start(() -> finish(r, order.timeout(), err));
  }

  /** Writes stdin chunks at the channel's pace, asking for the next message after each. */
  private void feed(OutputStream in) {
    try {
      while (!ended.get()) {
        byte[] chunk = stdin.take();
        if (chunk == EOF) {
          in.close();
          return;
        }
        in.write(chunk);
        in.flush();
        out.request(1);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // The program closed its stdin or ended: what it did not read is dropped, as a pipe would.
      LOG.debug("exec stdin: {}", e.toString());
    }
  }

  /** Copies stdout (here) and waits for stderr, then for the end, within the timeout. */
  private void finish(GuestExec.Running r, Duration timeout, Thread err) {
    boolean[] timerState = {false, false}; // {fired, stopped}
    Thread timer = null;
    if (timeout != null) {
      timer =
          Thread.ofVirtual()
              .name("exec-timeout")
              .start(
                  () -> {
                    try {
                      Thread.sleep(timeout);
                    } catch (InterruptedException e) {
                      return;
                    }
                    synchronized (timerState) {
                      if (timerState[1]) {
                        return; // the call ended meanwhile
                      }
                      timerState[0] = true; // fired: from here nothing interrupts this thread
                    }
                    if (ended.compareAndSet(false, true)) {
                      exec.kill(r);
                      r.close();
                      wakeWriters();
                      send(
                          null,
                          Errors.of(
                              Status.DEADLINE_EXCEEDED.withDescription(
                                  "the command ran longer than its timeout of "
                                      + timeout.toSeconds()
                                      + " s; its process group was killed"),
                              "EXEC_TIMEOUT",
                              Map.of("vm", r.vmName())));
                    }
                  });
    }
    try {
      pump(r.process().stdout(), true);
      if (err != null) {
        err.join();
      }
      Optional<GuestProcess.Ended> end = Optional.empty();
      // The timeout is the timer's alone: it kills and answers, and this loop sees `ended`.
      while (end.isEmpty() && !ended.get()) {
        end = r.process().await(Duration.ofMillis(200));
      }
      if (end.isPresent()
          && end.get().exitCode() == null
          && end.get().signal() == null
          && ended.compareAndSet(false, true)) {
        // No status and no signal: the connection to the guest closed (a reboot, a panic).
        exec.kill(r);
        send(
            null,
            Errors.of(
                Status.UNAVAILABLE.withDescription(
                    "the command in vm \""
                        + r.vmName()
                        + "\" ended without an exit status: the connection to the guest closed"),
                "EXEC_LOST",
                Map.of("vm", r.vmName())));
      } else if (end.isPresent() && ended.compareAndSet(false, true)) {
        ExecExit.Builder x = ExecExit.newBuilder();
        if (end.get().exitCode() != null) {
          x.setExitCode(end.get().exitCode());
        }
        if (end.get().signal() != null) {
          x.setSignal(end.get().signal());
        }
        send(ExecResponse.newBuilder().setExit(x).build(), null);
      }
    } catch (Exception e) {
      if (ended.compareAndSet(false, true)) {
        exec.kill(r);
        send(null, VmErrors.toStatus(e));
      }
    } finally {
      // A timer that fired is killing the program: never interrupt that kill.
      if (timer != null) {
        synchronized (timerState) {
          if (!timerState[0]) {
            timerState[1] = true;
            timer.interrupt();
          }
        }
      }
      stdin.offer(EOF); // the stdin writer stops
      r.close();
    }
  }

  /** Copies one output stream to the client, reading only while the client can take more. */
  private void pump(InputStream from, boolean isStdout) {
    byte[] buf = new byte[CHUNK];
    try {
      while (!ended.get()) {
        awaitReady();
        if (ended.get()) {
          return;
        }
        int n = from.read(buf);
        if (n < 0) {
          return;
        }
        ByteString data = ByteString.copyFrom(buf, 0, n);
        send(
            isStdout
                ? ExecResponse.newBuilder().setStdout(data).build()
                : ExecResponse.newBuilder().setStderr(data).build(),
            null);
      }
    } catch (IOException e) {
      if (!ended.get()) {
        LOG.debug("exec output: {}", e.toString());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitReady() throws InterruptedException {
    synchronized (ready) {
      while (!out.isReady() && !ended.get()) {
        ready.wait(100);
      }
    }
  }

  private void wakeWriters() {
    synchronized (ready) {
      ready.notifyAll();
    }
  }

  /** One writer at a time on the response stream; after the end only the final message. */
  private void send(ExecResponse message, io.grpc.StatusRuntimeException error) {
    synchronized (out) {
      if (out.isCancelled()) {
        return;
      }
      try {
        if (message != null) {
          out.onNext(message);
          if (message.hasExit()) {
            out.onCompleted();
          }
        } else {
          out.onError(error);
        }
      } catch (IllegalStateException e) {
        LOG.debug("exec response after the call ended: {}", e.toString());
      }
    }
  }

  private void fail(io.grpc.StatusRuntimeException e) {
    if (ended.compareAndSet(false, true)) {
      send(null, e);
    }
  }

  private void killAndFail(io.grpc.StatusRuntimeException e) {
    if (ended.compareAndSet(false, true)) {
      GuestExec.Running r = running;
      if (r != null) {
        exec.kill(r);
        r.close();
      }
      wakeWriters();
      send(null, e);
    }
  }

  /** The client cancelled or went away: the program's group is killed. */
  private void clientGone() {
    if (ended.compareAndSet(false, true)) {
      wakeWriters();
      stdin.offer(EOF);
      GuestExec.Running r = running;
      if (r != null) {
        Thread.ofVirtual()
            .name("exec-kill")
            .start(
                () -> {
                  exec.kill(r);
                  r.close();
                });
      }
    }
  }
}
