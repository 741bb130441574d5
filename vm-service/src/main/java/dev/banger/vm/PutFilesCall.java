package dev.banger.vm;

import dev.banger.api.vm.v1.PutFilesRequest;
import dev.banger.api.vm.v1.PutFilesResponse;
import dev.banger.kit.grpc.Errors;
import dev.banger.vm.app.exec.GuestFiles;
import dev.banger.vm.app.exec.TarGate;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One PutFiles call: the client's tar chunks become an input stream that {@link GuestFiles#put}
 * reads at the guest's pace; the next chunk is asked for only when the last was taken.
 */
final class PutFilesCall implements StreamObserver<PutFilesRequest> {

  static final int MAX_CHUNK = 1 << 20;
  private static final byte[] END = new byte[0];
  private static final byte[] GONE = new byte[0];

  private final GuestFiles files;
  private final ServerCallStreamObserver<PutFilesResponse> out;
  private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(2);
  private final AtomicBoolean ended = new AtomicBoolean();
  private boolean started;

  PutFilesCall(GuestFiles files, StreamObserver<PutFilesResponse> responses) {
    this.files = files;
    this.out = (ServerCallStreamObserver<PutFilesResponse>) responses;
    out.disableAutoRequest();
    out.setOnCancelHandler(() -> chunks.offer(GONE));
    out.request(1);
  }

  @Override
  public void onNext(PutFilesRequest req) {
    if (!started) {
      started = true;
      if (!req.hasStart()) {
        fail(Errors.invalidArgument("start", "the first message of PutFiles must be start"));
        return;
      }
      String vm = req.getStart().getVm();
      String dir = req.getStart().getDirectory();
      Thread.ofVirtual().name("put-files").start(() -> run(vm, dir));
      out.request(1);
      return;
    }
    if (!req.hasTar() || req.getTar().size() > MAX_CHUNK) {
      chunks.offer(GONE);
      fail(Errors.invalidArgument("tar", "after start come tar chunks of at most 1 MiB"));
      return;
    }
    chunks.offer(req.getTar().toByteArray()); // room: one is asked for at a time
  }

  @Override
  public void onError(Throwable t) {
    chunks.offer(GONE);
  }

  @Override
  public void onCompleted() {
    chunks.offer(END);
  }

  private void run(String vm, String dir) {
    try {
      TarGate.Copied c = files.put(vm, dir, new ChunkStream());
      if (ended.compareAndSet(false, true)) {
        out.onNext(
            PutFilesResponse.newBuilder()
                .setEntries(c.entries())
                .setContentBytes(c.contentBytes())
                .build());
        out.onCompleted();
      }
    } catch (Exception e) {
      fail(VmErrors.toStatus(e));
    }
  }

  private void fail(io.grpc.StatusRuntimeException e) {
    if (ended.compareAndSet(false, true) && !out.isCancelled()) {
      out.onError(e);
    }
  }

  /** The chunks as a stream; a cancelled call is an error, not an end. */
  private final class ChunkStream extends InputStream {
    private byte[] current = new byte[0];
    private int pos;
    private boolean done;

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (pos == current.length) {
        if (done) {
          return -1;
        }
        byte[] next;
        try {
          next = chunks.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted");
        }
        if (next == GONE) {
          throw new IOException("the client cancelled PutFiles");
        }
        if (next == END) {
          done = true;
          return -1;
        }
        current = next;
        pos = 0;
        out.request(1);
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
