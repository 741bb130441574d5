package dev.banger.kit.grpc;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntConsumer;

/**
 * The bytes of a client-streamed archive as an InputStream for the thread that unpacks it (disk-
 * service's WriteWorkDiskTree, vm-service's PutFiles). gRPC's threads {@link #offer} chunks; the
 * reader asks for the next message only as it takes one ({@code request}), so at most {@value
 * #AHEAD} chunks wait here: the client is held back by gRPC's flow control rather than by memory.
 * {@link #end} is the client's half-close (the whole archive), {@link #abort} a cancel or a refused
 * message: the reader then gets an IOException and nothing is written.
 */
public final class InboundBytes extends InputStream {

  static final int AHEAD = 4;
  private static final ByteString END = ByteString.copyFromUtf8("end");

  private final LinkedBlockingQueue<ByteString> queue = new LinkedBlockingQueue<>();
  private final IntConsumer request;
  private volatile String aborted;
  private ByteString current = ByteString.EMPTY;
  private int pos;
  private boolean ended;
  private boolean primed;

  /**
   * @param request asks the call for that many more messages
   */
  public InboundBytes(IntConsumer request) {
    this.request = request;
  }

  public void offer(ByteString chunk) {
    queue.add(chunk);
  }

  public void end() {
    queue.add(END);
  }

  public void abort(String why) {
    aborted = why;
    queue.add(END);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (pos == current.size()) {
      if (ended) {
        return -1;
      }
      next();
    }
    int n = Math.min(len, current.size() - pos);
    current.copyTo(b, pos, off, n);
    pos += n;
    return n;
  }

  private void next() throws IOException {
    if (!primed) {
      primed = true;
      request.accept(AHEAD);
    }
    ByteString c;
    try {
      c = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the archive");
    }
    if (aborted != null) {
      throw new IOException(aborted);
    }
    if (c == END) {
      ended = true;
      return;
    }
    request.accept(1);
    current = c;
    pos = 0;
  }
}
