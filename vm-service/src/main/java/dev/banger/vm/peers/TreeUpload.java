package dev.banger.vm.peers;

import com.google.protobuf.ByteString;
import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.api.disk.v1.WorkDiskTreeHeader;
import dev.banger.api.disk.v1.WriteWorkDiskTreeRequest;
import dev.banger.api.disk.v1.WriteWorkDiskTreeResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The client side of disk-service's WriteWorkDiskTree as an OutputStream for a tar writer: the
 * header first, then every write as messages of at most 1 MiB, each sent only when gRPC says the
 * stream is ready (so a slow disk-service holds the writer back instead of filling memory). {@link
 * #finish} half-closes and waits for the answer; {@link #abort} cancels, and disk-service then
 * writes nothing.
 */
public final class TreeUpload extends OutputStream {

  static final int MAX_MESSAGE = 1 << 20;

  private final ClientCallStreamObserver<WriteWorkDiskTreeRequest> stream;
  private final CompletableFuture<WriteWorkDiskTreeResponse> answer = new CompletableFuture<>();
  private final Object ready = new Object();

  @SuppressWarnings("unchecked")
  public TreeUpload(
      DiskServiceGrpc.DiskServiceStub stub,
      String vmId,
      String diskPath,
      long fileBytes,
      String requestId) {
    ClientCallStreamObserver<WriteWorkDiskTreeRequest>[] call = new ClientCallStreamObserver[1];
    stub.writeWorkDiskTree(
        new ClientResponseObserver<WriteWorkDiskTreeRequest, WriteWorkDiskTreeResponse>() {
          private WriteWorkDiskTreeResponse last;

          @Override
          public void beforeStart(ClientCallStreamObserver<WriteWorkDiskTreeRequest> requests) {
            call[0] = requests;
            requests.setOnReadyHandler(
                () -> {
                  synchronized (ready) {
                    ready.notifyAll();
                  }
                });
          }

          @Override
          public void onNext(WriteWorkDiskTreeResponse r) {
            last = r;
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
            synchronized (ready) {
              ready.notifyAll();
            }
          }

          @Override
          public void onCompleted() {
            answer.complete(last);
          }
        });
    this.stream = call[0];
    stream.onNext(
        WriteWorkDiskTreeRequest.newBuilder()
            .setHeader(
                WorkDiskTreeHeader.newBuilder()
                    .setRequestId(requestId)
                    .setVmId(vmId)
                    .setPath(diskPath)
                    .setFileBytes(fileBytes))
            .build());
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(len, MAX_MESSAGE);
      awaitReady();
      stream.onNext(
          WriteWorkDiskTreeRequest.newBuilder().setTar(ByteString.copyFrom(b, off, n)).build());
      off += n;
      len -= n;
    }
  }

  private void awaitReady() throws IOException {
    synchronized (ready) {
      while (!stream.isReady()) {
        if (answer.isDone()) {
          break; // disk-service already answered (a refusal): finish() reports it
        }
        try {
          ready.wait(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException(
              "interrupted while sending the workspace to disk-service");
        }
      }
    }
    if (answer.isDone() && answer.isCompletedExceptionally()) {
      throw new IOException("disk-service refused the tree", cause());
    }
  }

  /**
   * Half-closes and returns disk-service's answer; its refusal is rethrown as the status it sent.
   */
  public WriteWorkDiskTreeResponse finish() throws InterruptedException {
    stream.onCompleted();
    try {
      return answer.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof StatusRuntimeException s
          ? s
          : Status.INTERNAL
              .withCause(e.getCause())
              .withDescription(String.valueOf(e.getCause()))
              .asRuntimeException();
    }
  }

  /** The status disk-service ended the stream with, if it did. */
  public StatusRuntimeException refusal() {
    Throwable t = cause();
    return t instanceof StatusRuntimeException s ? s : null;
  }

  private Throwable cause() {
    try {
      answer.getNow(null);
      return null;
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause();
    } catch (java.util.concurrent.CancellationException e) {
      return e;
    }
  }

  /** Cancels the stream: disk-service drops what it staged and writes nothing. */
  public void abort(Throwable why) {
    stream.cancel("workspace send failed: " + why, why);
  }
}
