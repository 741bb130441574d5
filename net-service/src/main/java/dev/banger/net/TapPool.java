package dev.banger.net;

import dev.banger.kit.process.CommandFailedException;
import dev.banger.net.host.Ip;
import dev.banger.net.host.IpBatch;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warm taps, made ahead of need by one background thread: persistent, owned by the pool owner (the
 * vm-service user), down, attached to nothing, marked {@code banger:<id>:pool}. Handing one out is
 * a rename (allowed because it is down) plus attach and up, in the caller's one ip batch.
 *
 * <p>The pool is active only while some bridge is set up: a net-service that was never asked to
 * build a network leaves the host's links alone. {@link #drain} deletes every warm tap.
 */
final class TapPool implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TapPool.class);
  private static final long RETRY_AFTER_FAILURE_MS = 2000;

  private final Ip ip;
  private final TapMarks marks;
  private final int size;
  private final long ownerUid;
  private final ConcurrentLinkedDeque<String> ready = new ConcurrentLinkedDeque<>();
  private final Semaphore wake = new Semaphore(0);

  /** Held while a tap is being made or the pool drained, so a drain never races a fill. */
  private final Object filling = new Object();

  private final SecureRandom random = new SecureRandom();
  private volatile boolean active;
  private volatile boolean closed;
  private Thread filler;

  private final PendingLinks pending;

  TapPool(Ip ip, TapMarks marks, int size, long ownerUid, PendingLinks pending) {
    this.pending = pending;
    this.ip = ip;
    this.marks = marks;
    this.size = size;
    this.ownerUid = ownerUid;
  }

  long ownerUid() {
    return ownerUid;
  }

  int size() {
    return size;
  }

  /** Warm taps found on the host at start-up; the excess over the configured size is deleted. */
  void adopt(List<String> names) throws CommandFailedException {
    for (String n : names) {
      if (ready.size() < size) {
        ready.add(n);
      } else {
        ip.deleteLink(n);
        LOG.info("deleted warm tap {} (pool is full at {})", n, size);
      }
    }
  }

  /** Starts (or keeps) filling in the background. */
  synchronized void activate() {
    active = true;
    if (filler == null && size > 0) {
      filler = Thread.ofVirtual().name("tap-pool-filler").start(this::fillLoop);
    }
    wake.release();
  }

  /** A warm tap, or empty when none is ready; the filler is told to make another. */
  Optional<String> take() {
    String n = active ? ready.poll() : null;
    wake.release();
    return Optional.ofNullable(n);
  }

  /**
   * Gives back a tap that {@link #take} handed out but could not be used (still down and
   * unrenamed).
   */
  void putBack(String name) {
    ready.addFirst(name);
  }

  /** Stops filling and deletes every warm tap. */
  void drain() throws CommandFailedException {
    active = false;
    synchronized (filling) {
      for (String n; (n = ready.poll()) != null; ) {
        ip.deleteLink(n);
      }
    }
    LOG.info("tap pool drained");
  }

  private void fillLoop() {
    while (!closed) {
      try {
        wake.tryAcquire(5, TimeUnit.SECONDS);
        wake.drainPermits();
        while (active && !closed && ready.size() < size) {
          makeOne();
        }
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        LOG.warn(
            "tap pool: could not make a warm tap ({}); retrying in {} ms",
            e.getMessage(),
            RETRY_AFTER_FAILURE_MS);
        try {
          Thread.sleep(RETRY_AFTER_FAILURE_MS);
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  private void makeOne() throws CommandFailedException {
    synchronized (filling) {
      if (!active) {
        return;
      }
      byte[] b = new byte[4];
      random.nextBytes(b);
      String name = TapMarks.poolTapName(HexFormat.of().formatHex(b));
      IpBatch make =
          new IpBatch()
              .line("tuntap", "add", "dev", name, "mode", "tap", "user", Long.toString(ownerUid))
              .line("link", "set", "dev", name, "alias", marks.poolMark());
      pending.begin(name);
      try {
        ip.apply(make);
      } catch (CommandFailedException e) {
        if (Ip.firstLineTookEffect(e)) {
          ip.deleteLink(name);
        }
        throw e;
      } finally {
        pending.end(name);
      }
      ready.add(name);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    wake.release();
    if (filler != null) {
      // Not interrupted: that would kill an ip mid-batch and could leave a tap without its mark.
      try {
        filler.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
