package dev.banger.image.app;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per image name: a pull, register, promote or delete of a name waits for another of the
 * same name, so a name never has two writers.
 */
public final class NameLocks {

  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  public ReentrantLock of(String name) {
    return locks.computeIfAbsent(name, n -> new ReentrantLock());
  }
}
