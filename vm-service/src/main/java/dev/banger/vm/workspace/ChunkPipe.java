package dev.banger.vm.workspace;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs a producer (the tar writer: reading files, framing entries) on a thread of its own and hands
 * its bytes to the caller's thread (the SSH channel: encrypting, sending) in chunks through a
 * bounded queue, so the two overlap the way {@code tar c | ssh} does as two processes. Bounded (at
 * most {@value #DEPTH} chunks of {@value #CHUNK} bytes in flight); a failure on either side ends
 * both and is rethrown here.
 */
public final class ChunkPipe {

  static final int CHUNK = 256 * 1024;
  static final int DEPTH = 16;
  private static final byte[] END = new byte[0];

  /** What writes into the pipe. */
  public interface Producer {
    void writeTo(OutputStream out) throws IOException;
  }

  private ChunkPipe() {}

  public static void run(Producer producer, OutputStream sink) throws IOException {
    BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(DEPTH);
    Throwable[] failure = new Throwable[1];
    Thread t =
        Thread.ofPlatform()
            .daemon()
            .name("workspace-tar")
            .start(
                () -> {
                  try (OutputStream out = new QueueStream(queue)) {
                    producer.writeTo(out);
                  } catch (Throwable e) {
                    failure[0] = e;
                    queue.clear();
                    queue.offer(END);
                  }
                });
    try {
      while (true) {
        byte[] chunk = queue.take();
        if (chunk == END) {
          break;
        }
        sink.write(chunk);
      }
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      t.interrupt();
      throw new InterruptedIOException("workspace send interrupted");
    } catch (IOException | RuntimeException e) {
      t.interrupt();
      throw e;
    }
    if (failure[0] instanceof IOException io) {
      throw io;
    }
    if (failure[0] instanceof RuntimeException re) {
      throw re;
    }
    if (failure[0] != null) {
      throw new IOException(failure[0]);
    }
  }

  /** Fills {@value #CHUNK}-byte chunks and queues them; close queues the rest and the end mark. */
  private static final class QueueStream extends OutputStream {
    private final BlockingQueue<byte[]> queue;
    private byte[] buf = new byte[CHUNK];
    private int n;

    QueueStream(BlockingQueue<byte[]> queue) {
      this.queue = queue;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int k = Math.min(len, buf.length - n);
        System.arraycopy(b, off, buf, n, k);
        n += k;
        off += k;
        len -= k;
        if (n == buf.length) {
          put(buf);
          buf = new byte[CHUNK];
          n = 0;
        }
      }
    }

    @Override
    public void close() throws IOException {
      if (n > 0) {
        put(Arrays.copyOf(buf, n));
        n = 0;
      }
      put(END);
    }

    private void put(byte[] chunk) throws IOException {
      try {
        queue.put(chunk);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("workspace tar interrupted");
      }
    }
  }
}
