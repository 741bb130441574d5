package dev.banger.kit.ops;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.banger.api.common.v1.Operation;
import dev.banger.api.common.v1.OperationError;
import dev.banger.api.common.v1.OperationState;
import dev.banger.api.common.v1.Progress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The long-running work of one service, addressable by id (docs/architecture.md §3). Work registers
 * an operation, reports progress and ends it; watchers attach at any time and get every later
 * event, then the final state. Cancelling flips a flag the work checks and runs its undo.
 *
 * <p>In memory: an operation outlives the call that started it, not the process. Finished
 * operations are kept (the newest {@link #RETAINED_FINISHED}) so a client that reconnects late
 * still learns how its work ended.
 */
public final class OperationRegistry {

  public static final int RETAINED_FINISHED = 256;

  /** Handle the work uses to report on itself. */
  public final class Handle {
    private final String id;
    // Guarded by the registry's monitor, so a callback registered while cancel() runs is run
    // exactly once: either in cancel()'s snapshot or by onCancel() seeing the flag.
    private boolean cancelRequested;
    private final List<Runnable> onCancel = new ArrayList<>();

    private Handle(String id) {
      this.id = id;
    }

    public String id() {
      return id;
    }

    public boolean cancelRequested() {
      synchronized (OperationRegistry.this) {
        return cancelRequested;
      }
    }

    /** Runs {@code r} once when cancellation is requested (at once if it already was). */
    public void onCancel(Runnable r) {
      synchronized (OperationRegistry.this) {
        if (!cancelRequested) {
          onCancel.add(r);
          return;
        }
      }
      r.run();
    }

    public void progress(Progress p) {
      Progress stamped = p.toBuilder().setOperationId(id).setTime(now()).build();
      update(id, b -> b.setLastProgress(stamped), stamped);
    }

    public void succeed(Message result) {
      finish(
          id,
          b -> b.setState(OperationState.OPERATION_STATE_SUCCEEDED).setResult(Any.pack(result)));
    }

    public void fail(int grpcCode, String message, String reason) {
      finish(
          id,
          b ->
              b.setState(
                      cancelRequested
                          ? OperationState.OPERATION_STATE_CANCELLED
                          : OperationState.OPERATION_STATE_FAILED)
                  .setError(
                      OperationError.newBuilder()
                          .setCode(grpcCode)
                          .setMessage(message)
                          .setReason(reason)));
    }
  }

  private record Entry(Operation.Builder op, Handle handle, List<Consumer<Object>> watchers) {}

  private final Map<String, Entry> entries = new LinkedHashMap<>();

  public synchronized Handle start(String kind, String target, String requestId) {
    String id = UUID.randomUUID().toString();
    Operation.Builder op =
        Operation.newBuilder()
            .setId(id)
            .setKind(kind)
            .setTarget(target)
            .setRequestId(requestId)
            .setState(OperationState.OPERATION_STATE_RUNNING)
            .setCreateTime(now())
            .setUpdateTime(now());
    Handle h = new Handle(id);
    entries.put(id, new Entry(op, h, new ArrayList<>()));
    return h;
  }

  public synchronized Optional<Operation> get(String id) {
    Entry e = entries.get(id);
    return e == null ? Optional.empty() : Optional.of(e.op().build());
  }

  public synchronized List<Operation> list(OperationState state) {
    return entries.values().stream()
        .map(e -> e.op().build())
        .filter(o -> state == OperationState.OPERATION_STATE_UNSPECIFIED || o.getState() == state)
        .sorted(
            Comparator.comparing((Operation o) -> o.getCreateTime().getSeconds())
                .thenComparing(o -> o.getCreateTime().getNanos())
                .reversed())
        .toList();
  }

  /**
   * Subscribes to an operation: {@code sink} receives {@link Progress} events and, last, the final
   * {@link Operation}, in the order they happened. Returns false for an unknown id. A finished
   * operation delivers its final state at once. A sink that throws is dropped.
   */
  public synchronized boolean watch(String id, Consumer<Object> sink) {
    Entry e = entries.get(id);
    if (e == null) {
      return false;
    }
    if (e.op().getState() == OperationState.OPERATION_STATE_RUNNING) {
      e.watchers().add(sink);
    } else {
      deliver(List.of(sink), e.op().build(), null);
    }
    return true;
  }

  /** Stops delivering to {@code sink} (its client went away). */
  public synchronized void unwatch(String id, Consumer<Object> sink) {
    Entry e = entries.get(id);
    if (e != null) {
      e.watchers().remove(sink);
    }
  }

  /**
   * Requests cancellation; returns the operation as it now stands, empty for an unknown id. Only
   * the first request runs the cancel callbacks, each once.
   */
  public Optional<Operation> cancel(String id) {
    List<Runnable> callbacks;
    synchronized (this) {
      Entry e = entries.get(id);
      if (e == null) {
        return Optional.empty();
      }
      Handle h = e.handle();
      if (e.op().getState() != OperationState.OPERATION_STATE_RUNNING || h.cancelRequested) {
        return Optional.of(e.op().build());
      }
      h.cancelRequested = true;
      callbacks = List.copyOf(h.onCancel);
      h.onCancel.clear();
    }
    callbacks.forEach(Runnable::run);
    return get(id);
  }

  // Events are delivered while holding the monitor, so watchers see them in the order they
  // happened. Sinks only enqueue (gRPC onNext buffers), so holding it is brief.
  private synchronized void update(String id, Consumer<Operation.Builder> change, Object event) {
    Entry e = entries.get(id);
    if (e == null || e.op().getState() != OperationState.OPERATION_STATE_RUNNING) {
      return;
    }
    change.accept(e.op());
    e.op().setUpdateTime(now());
    deliver(e.watchers(), event, e);
  }

  private synchronized void finish(String id, Consumer<Operation.Builder> change) {
    Entry e = entries.get(id);
    if (e == null || e.op().getState() != OperationState.OPERATION_STATE_RUNNING) {
      return;
    }
    change.accept(e.op());
    e.op().setUpdateTime(now());
    deliver(e.watchers(), e.op().build(), e);
    e.watchers().clear();
    trimFinished();
  }

  private static void deliver(List<Consumer<Object>> sinks, Object event, Entry owner) {
    for (Consumer<Object> sink : List.copyOf(sinks)) {
      try {
        sink.accept(event);
      } catch (RuntimeException ex) {
        // A broken watcher (its client vanished) must not break the work or other watchers.
        if (owner != null) {
          owner.watchers().remove(sink);
        }
      }
    }
  }

  private void trimFinished() {
    long finished =
        entries.values().stream()
            .filter(e -> e.op().getState() != OperationState.OPERATION_STATE_RUNNING)
            .count();
    var it = entries.values().iterator();
    while (finished > RETAINED_FINISHED && it.hasNext()) {
      if (it.next().op().getState() != OperationState.OPERATION_STATE_RUNNING) {
        it.remove();
        finished--;
      }
    }
  }

  private static Timestamp now() {
    Instant i = Instant.now();
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }
}
