package dev.banger.kit.concurrent;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per key (a VM id, a bridge name), made on first use and dropped when nobody holds or
 * waits for it, so work on different VMs runs in parallel and the map does not grow forever.
 */
public final class KeyedLocks {

  @FunctionalInterface
  public interface Body<T> {
    T run() throws Exception;
  }

  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    int users;
  }

  private final Map<String, Entry> locks = new HashMap<>();

  public <T> T with(String key, Body<T> body) throws Exception {
    Entry e;
    synchronized (locks) {
      e = locks.computeIfAbsent(key, k -> new Entry());
      e.users++;
    }
    e.lock.lock();
    try {
      return body.run();
    } finally {
      e.lock.unlock();
      synchronized (locks) {
        if (--e.users == 0) {
          locks.remove(key);
        }
      }
    }
  }

  /** Keys currently held or awaited (for tests). */
  public int size() {
    synchronized (locks) {
      return locks.size();
    }
  }
}
