package dev.banger.vm.ssh;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Keeps the first {@code limit} bytes written and counts the rest, so a guest command that prints
 * without end cannot exhaust the daemon's heap. MINA writes from its I/O threads, hence the
 * synchronisation.
 */
public final class BoundedBuffer extends OutputStream {

  private final int limit;
  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private boolean truncated;

  public BoundedBuffer(int limit) {
    this.limit = limit;
  }

  @Override
  public synchronized void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    int room = limit - kept.size();
    if (len > room) {
      truncated = true;
    }
    kept.write(b, off, Math.max(0, Math.min(len, room)));
  }

  public synchronized byte[] bytes() {
    return Arrays.copyOf(kept.toByteArray(), kept.size());
  }

  public synchronized boolean truncated() {
    return truncated;
  }
}
