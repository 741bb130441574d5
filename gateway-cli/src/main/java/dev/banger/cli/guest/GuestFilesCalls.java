package dev.banger.cli.guest;

import com.google.protobuf.ByteString;
import dev.banger.api.vm.v1.GetFilesRequest;
import dev.banger.api.vm.v1.GetFilesResponse;
import dev.banger.api.vm.v1.PutFilesRequest;
import dev.banger.api.vm.v1.PutFilesResponse;
import dev.banger.api.vm.v1.PutFilesStart;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.cli.CliException;
import dev.banger.cli.Services;
import dev.banger.kit.state.ServiceName;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * vm-service's PutFiles and GetFiles as plain streams for {@code vm cp}: an OutputStream whose
 * bytes become the tar PutFiles unpacks, at the pace the call takes them; an InputStream of the tar
 * GetFiles sends, read one message at a time (the guest's tar waits while nobody reads).
 */
public final class GuestFilesCalls {

  private static final int CHUNK = 256 << 10; // the service takes up to 1 MiB per message

  private GuestFilesCalls() {}

  public interface TarBody {
    void write(OutputStream tar) throws IOException;
  }

  /** Runs {@code body} into a PutFiles call to {@code directory} of {@code vm}. */
  public static PutFilesResponse put(Services s, String vm, String directory, TarBody body)
      throws IOException {
    CompletableFuture<PutFilesResponse> done = new CompletableFuture<>();
    CallReady ready = new CallReady();
    @SuppressWarnings("unchecked")
    ClientCallStreamObserver<PutFilesRequest>[] call = new ClientCallStreamObserver[1];
    VmServiceGrpc.newStub(s.channel(ServiceName.VM))
        .putFiles(
            new ClientResponseObserver<PutFilesRequest, PutFilesResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<PutFilesRequest> c) {
                call[0] = c;
                c.setOnReadyHandler(ready::signal);
              }

              @Override
              public void onNext(PutFilesResponse r) {
                done.complete(r);
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
                ready.signal();
              }

              @Override
              public void onCompleted() {}
            });
    call[0].onNext(
        PutFilesRequest.newBuilder()
            .setStart(PutFilesStart.newBuilder().setVm(vm).setDirectory(directory))
            .build());
    try (Sender out = new Sender(call[0], ready, done)) {
      body.write(out);
    } catch (IOException | RuntimeException e) {
      if (!done.isDone()) {
        call[0].cancel("the copy failed on the host: " + e.getMessage(), e);
      }
      rethrowServiceError(done); // the service's reason beats "call ended"
      throw e;
    }
    call[0].onCompleted();
    return await(done);
  }

  /** The tar stream of {@code path} in {@code vm}; closing it early cancels the call. */
  public static InputStream get(Services s, String vm, String path) {
    Context.CancellableContext ctx = Context.current().withCancellation();
    Iterator<GetFilesResponse> it;
    Context previous = ctx.attach(); // the call belongs to ctx: close() cancels it
    try {
      it =
          VmServiceGrpc.newBlockingStub(s.channel(ServiceName.VM))
              .getFiles(GetFilesRequest.newBuilder().setVm(vm).setPath(path).build());
    } finally {
      ctx.detach(previous);
    }
    return new InputStream() {
      private ByteString chunk = ByteString.EMPTY;
      private int at;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        while (at == chunk.size()) {
          if (!it.hasNext()) {
            return -1;
          }
          chunk = it.next().getTar();
          at = 0;
        }
        int n = Math.min(len, chunk.size() - at);
        chunk.copyTo(b, at, off, n);
        at += n;
        return n;
      }

      @Override
      public void close() {
        ctx.cancel(null); // the guest's tar is killed if it was still sending
      }
    };
  }

  private static void rethrowServiceError(CompletableFuture<PutFilesResponse> done) {
    if (done.isCompletedExceptionally()) {
      await(done);
    }
  }

  private static PutFilesResponse await(CompletableFuture<PutFilesResponse> done) {
    try {
      return done.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException r) {
        throw r;
      }
      throw new CliException("copy into the VM: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("copy into the VM: interrupted", 130, null);
    }
  }

  /** Buffers CHUNK bytes, then sends them when the call is ready for more. */
  private static final class Sender extends OutputStream {
    private final ClientCallStreamObserver<PutFilesRequest> call;
    private final CallReady ready;
    private final CompletableFuture<PutFilesResponse> done;
    private final byte[] buf = new byte[CHUNK];
    private int n;

    Sender(
        ClientCallStreamObserver<PutFilesRequest> call,
        CallReady ready,
        CompletableFuture<PutFilesResponse> done) {
      this.call = call;
      this.ready = ready;
      this.done = done;
    }

    @Override
    public void write(int b) throws IOException {
      if (n == buf.length) {
        send();
      }
      buf[n++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (n == buf.length) {
          send();
        }
        int k = Math.min(len, buf.length - n);
        System.arraycopy(b, off, buf, n, k);
        n += k;
        off += k;
        len -= k;
      }
    }

    private void send() throws IOException {
      try {
        ready.await(call, done::isDone);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
      if (done.isDone()) {
        throw new IOException("the VM's side ended the copy");
      }
      call.onNext(PutFilesRequest.newBuilder().setTar(ByteString.copyFrom(buf, 0, n)).build());
      n = 0;
    }

    @Override
    public void close() throws IOException {
      if (n > 0) {
        send();
      }
    }
  }
}
