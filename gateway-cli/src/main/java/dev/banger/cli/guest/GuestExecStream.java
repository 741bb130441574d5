package dev.banger.cli.guest;

import com.google.protobuf.ByteString;
import dev.banger.api.vm.v1.ExecRequest;
import dev.banger.api.vm.v1.ExecResponse;
import dev.banger.api.vm.v1.ExecStart;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.cli.CliException;
import dev.banger.cli.Services;
import dev.banger.kit.state.ServiceName;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A command in a guest through vm-service's Exec (docs/exec.md), the route programs use too: this
 * process's stdin streamed in, the program's stdout and stderr written out apart, its exit status
 * returned. The non-interactive {@code vm exec} and {@code vm run -- CMD} go this way; a login
 * shell keeps the system's ssh, which gives a real terminal.
 */
public final class GuestExecStream {

  /** Exit statuses for the signals a program is commonly killed by, as a shell reports them. */
  private static final Map<String, Integer> SIGNALS =
      Map.of(
          "HUP", 1, "INT", 2, "QUIT", 3, "ABRT", 6, "KILL", 9, "SEGV", 11, "PIPE", 13, "TERM", 15);

  private GuestExecStream() {}

  /** Runs {@code argv} in {@code vm} ("" dir: the VM's workspace, else /root). */
  public static int run(Services s, String vm, String dir, List<String> argv) {
    return run(s, vm, dir, argv, System.in, System.out, System.err);
  }

  public static int run(
      Services s,
      String vm,
      String dir,
      List<String> argv,
      InputStream in,
      OutputStream out,
      OutputStream err) {
    CompletableFuture<Integer> status = new CompletableFuture<>();
    boolean[] pipeClosed = {false};
    CallReady ready = new CallReady();
    ClientCallStreamObserver<ExecRequest>[] call = new ClientCallStreamObserver[1];
    VmServiceGrpc.newStub(s.channel(ServiceName.VM))
        .exec(
            new ClientResponseObserver<ExecRequest, ExecResponse>() {
              Integer exit;

              @Override
              public void beforeStart(ClientCallStreamObserver<ExecRequest> c) {
                call[0] = c;
                c.setOnReadyHandler(ready::signal);
              }

              @Override
              public void onNext(ExecResponse m) {
                try {
                  switch (m.getKindCase()) {
                    case STDOUT -> {
                      m.getStdout().writeTo(out);
                      out.flush();
                      closed(out);
                    }
                    case STDERR -> {
                      m.getStderr().writeTo(err);
                      err.flush();
                      closed(err);
                    }
                    case EXIT ->
                        exit =
                            m.getExit().getSignal().isEmpty()
                                ? m.getExit().getExitCode()
                                : 128 + SIGNALS.getOrDefault(m.getExit().getSignal(), 127);
                    default -> {}
                  }
                } catch (IOException e) {
                  pipeClosed[0] = true;
                  call[0].cancel("the local output closed", e); // vm-service kills the program
                }
              }

              @Override
              public void onError(Throwable t) {
                status.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                status.complete(exit == null ? 255 : exit);
              }
            });
    ExecStart.Builder start = ExecStart.newBuilder().setVm(vm).addAllArgv(argv);
    if (dir != null) {
      start.setWorkingDir(dir);
    }
    call[0].onNext(ExecRequest.newBuilder().setStart(start).build());
    Thread feeder = new Thread(() -> feed(in, call[0], ready, status), "exec-stdin");
    feeder.setDaemon(true); // a program that never reads stdin must not keep banger waiting
    feeder.start();
    try {
      return status.get();
    } catch (ExecutionException e) {
      if (pipeClosed[0]) {
        return 128 + 13; // as a shell reports a program SIGPIPE ended
      }
      if (e.getCause() instanceof StatusRuntimeException r) {
        throw r;
      }
      throw new CliException("exec in " + vm + ": " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call[0].cancel("interrupted", null); // vm-service kills the program
      return 130;
    }
  }

  /**
   * A PrintStream (System.out) swallows a closed pipe: ask it, so {@code vm exec … | head -1} ends
   * the program as ssh's SIGPIPE did.
   */
  private static void closed(OutputStream s) throws IOException {
    if (s instanceof java.io.PrintStream p && p.checkError()) {
      throw new IOException("the output pipe closed");
    }
  }

  /** Streams {@code in} as stdin messages, as fast as the call takes them, then end of file. */
  private static void feed(
      InputStream in,
      ClientCallStreamObserver<ExecRequest> call,
      CallReady ready,
      CompletableFuture<Integer> done) {
    byte[] buf = new byte[64 << 10];
    try {
      while (!done.isDone()) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        ready.await(call, done::isDone);
        if (done.isDone()) {
          return;
        }
        synchronized (call) {
          call.onNext(ExecRequest.newBuilder().setStdin(ByteString.copyFrom(buf, 0, n)).build());
        }
      }
      synchronized (call) {
        if (!done.isDone()) {
          call.onCompleted(); // end of file on the program's stdin
        }
      }
    } catch (IOException | InterruptedException | IllegalStateException e) {
      // stdin unreadable or the call over: the program sees end of file or is gone
    }
  }
}
