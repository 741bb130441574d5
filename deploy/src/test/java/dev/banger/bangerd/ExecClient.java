package dev.banger.bangerd;

import com.google.protobuf.ByteString;
import dev.banger.api.vm.v1.ExecRequest;
import dev.banger.api.vm.v1.ExecResponse;
import dev.banger.api.vm.v1.ExecStart;
import dev.banger.api.vm.v1.VmServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A client of VmService.Exec as a program would write one: output collected (or only counted),
 * reading at a pace it chooses, cancelling when it likes.
 */
final class ExecClient {

  /** What one call produced. */
  static final class Call {
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    long stdoutBytes;
    Integer exit;
    String signal = "";
    Status status;
    final CompletableFuture<Void> done = new CompletableFuture<>();
    final CompletableFuture<Void> firstOutput = new CompletableFuture<>();
    ClientCallStreamObserver<ExecRequest> stream;

    Call await() throws Exception {
      done.get(5, TimeUnit.MINUTES);
      return this;
    }

    String out() {
      return stdout.toString();
    }

    String err() {
      return stderr.toString();
    }
  }

  private final ManagedChannel channel;

  ExecClient(ManagedChannel channel) {
    this.channel = channel;
  }

  /**
   * Starts {@code start}, then {@code feed} gets the request stream (stdin, close); with {@code
   * keep} false only stdout's size is kept; {@code pauseMillis} between reads makes a slow reader.
   */
  Call run(
      ExecStart start,
      Consumer<ClientCallStreamObserver<ExecRequest>> feed,
      boolean keep,
      int pauseMillis) {
    Call c = new Call();
    ClientCallStreamObserver<ExecRequest>[] holder = new ClientCallStreamObserver[1];
    VmServiceGrpc.newStub(channel)
        .exec(
            new ClientResponseObserver<ExecRequest, ExecResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<ExecRequest> s) {
                holder[0] = s;
                c.stream = s;
                if (pauseMillis > 0) {
                  s.disableAutoRequestWithInitial(1);
                }
              }

              @Override
              public void onNext(ExecResponse m) {
                synchronized (c) {
                  switch (m.getKindCase()) {
                    case STDOUT -> {
                      c.stdoutBytes += m.getStdout().size();
                      if (keep) {
                        c.stdout.writeBytes(m.getStdout().toByteArray());
                      }
                    }
                    case STDERR -> c.stderr.writeBytes(m.getStderr().toByteArray());
                    case EXIT -> {
                      c.exit = m.getExit().getSignal().isEmpty() ? m.getExit().getExitCode() : null;
                      c.signal = m.getExit().getSignal();
                    }
                    default -> {}
                  }
                }
                c.firstOutput.complete(null);
                if (pauseMillis > 0) {
                  try {
                    Thread.sleep(pauseMillis);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  holder[0].request(1);
                }
              }

              @Override
              public void onError(Throwable t) {
                c.status = Status.fromThrowable(t);
                c.done.complete(null);
              }

              @Override
              public void onCompleted() {
                c.status = Status.OK;
                c.done.complete(null);
              }
            });
    c.stream.onNext(ExecRequest.newBuilder().setStart(start).build());
    feed.accept(c.stream);
    return c;
  }

  Call run(ExecStart start) {
    return run(start, s -> s.onCompleted(), true, 0);
  }

  static ExecRequest stdin(byte[] b) {
    return ExecRequest.newBuilder().setStdin(ByteString.copyFrom(b)).build();
  }

  /** PutFiles of {@code tar} into {@code dir} of {@code vm}, in 256 KiB chunks. */
  dev.banger.api.vm.v1.PutFilesResponse put(String vm, String dir, byte[] tar) throws Exception {
    CompletableFuture<dev.banger.api.vm.v1.PutFilesResponse> done = new CompletableFuture<>();
    io.grpc.stub.StreamObserver<dev.banger.api.vm.v1.PutFilesRequest> in =
        VmServiceGrpc.newStub(channel)
            .putFiles(
                new io.grpc.stub.StreamObserver<>() {
                  @Override
                  public void onNext(dev.banger.api.vm.v1.PutFilesResponse r) {
                    done.complete(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    in.onNext(
        dev.banger.api.vm.v1.PutFilesRequest.newBuilder()
            .setStart(dev.banger.api.vm.v1.PutFilesStart.newBuilder().setVm(vm).setDirectory(dir))
            .build());
    for (int off = 0; off < tar.length; off += 256 << 10) {
      in.onNext(
          dev.banger.api.vm.v1.PutFilesRequest.newBuilder()
              .setTar(ByteString.copyFrom(tar, off, Math.min(256 << 10, tar.length - off)))
              .build());
    }
    in.onCompleted();
    try {
      return done.get(5, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  /** GetFiles of {@code path}: the tar stream's bytes. */
  byte[] get(String vm, String path) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    VmServiceGrpc.newBlockingStub(channel)
        .getFiles(dev.banger.api.vm.v1.GetFilesRequest.newBuilder().setVm(vm).setPath(path).build())
        .forEachRemaining(r -> b.writeBytes(r.getTar().toByteArray()));
    return b.toByteArray();
  }
}
