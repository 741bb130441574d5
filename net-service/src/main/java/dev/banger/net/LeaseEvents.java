package dev.banger.net;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where {@link LeaseListener}s subscribe. One instance per net-service (bound in {@link
 * NetServiceModule}), so other pieces of the process (the DNS server) can inject it.
 */
public final class LeaseEvents {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseEvents.class);

  private final List<LeaseListener> listeners = new CopyOnWriteArrayList<>();
  private volatile Supplier<List<Lease>> current = List::of;

  /**
   * Adds a listener and replays every current lease to it as {@code leased}. Changes that race with
   * the replay may reach it twice; listeners treat {@code leased} as "set", so that is harmless.
   */
  public void subscribe(LeaseListener listener) {
    listeners.add(listener);
    for (Lease l : current.get()) {
      safely(listener, x -> x.leased(l));
    }
  }

  public void unsubscribe(LeaseListener listener) {
    listeners.remove(listener);
  }

  void source(Supplier<List<Lease>> leases) {
    this.current = leases;
  }

  void leased(Lease l) {
    listeners.forEach(x -> safely(x, y -> y.leased(l)));
  }

  void released(Lease l) {
    listeners.forEach(x -> safely(x, y -> y.released(l)));
  }

  void renamed(Lease before, Lease after) {
    listeners.forEach(x -> safely(x, y -> y.renamed(before, after)));
  }

  private static void safely(LeaseListener l, Consumer<LeaseListener> call) {
    try {
      call.accept(l);
    } catch (RuntimeException e) {
      LOG.warn("lease listener {} failed: {}", l.getClass().getName(), e.toString());
    }
  }
}
