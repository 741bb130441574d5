package dev.banger.vm.fakes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

/**
 * The host resources the fake ports hand out, in one place, so a test can say "the host holds
 * exactly this" after a failure or a cancel. Faults: {@link #failOn} makes the named port call
 * throw; {@link #cancelOn} turns {@link #cancelled()} true when the named call is made (as if the
 * client went away during it).
 */
public final class FakeHost {

  public final Set<String> leases = Collections.synchronizedSortedSet(new TreeSet<>());
  public final Set<String> overlays = Collections.synchronizedSortedSet(new TreeSet<>());
  public final Set<String> workDisks = Collections.synchronizedSortedSet(new TreeSet<>());
  public final Set<String> taps = Collections.synchronizedSortedSet(new TreeSet<>());
  public final Set<Long> vmms = Collections.synchronizedSortedSet(new TreeSet<>());
  public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> failing = new TreeSet<>();
  private volatile String cancelOn;
  private final Set<String> hanging = new TreeSet<>();
  private volatile boolean cancelled;

  public FakeHost failOn(String call) {
    failing.add(call);
    return this;
  }

  /** The named call works again (a peer that came back). */
  public FakeHost recover(String call) {
    failing.remove(call);
    return this;
  }

  /** The named call waits until its caller cancels (a boot that never comes up). */
  public FakeHost hangOn(String call) {
    hanging.add(call);
    return this;
  }

  /** The named call stops waiting (the boot came up after all). */
  public FakeHost unhang(String call) {
    hanging.remove(call);
    return this;
  }

  public boolean hangs(String call) {
    return hanging.contains(call);
  }

  public FakeHost cancelOn(String call) {
    cancelOn = call;
    return this;
  }

  public BooleanSupplier cancelled() {
    return () -> cancelled;
  }

  /** Records a call; throws when a test asked it to fail. */
  void call(String name) {
    calls.add(name);
    if (name.equals(cancelOn)) {
      cancelled = true;
    }
    if (failing.contains(name)) {
      throw new IllegalStateException("injected failure of " + name);
    }
  }

  /** Everything held, as one comparable line. */
  public String held() {
    return "leases="
        + leases
        + " overlays="
        + overlays
        + " workDisks="
        + workDisks
        + " taps="
        + taps
        + " vmms="
        + vmms;
  }
}
