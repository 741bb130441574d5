package dev.banger.kit.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.StringValue;
import dev.banger.api.common.v1.Operation;
import dev.banger.api.common.v1.OperationState;
import dev.banger.api.common.v1.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OperationRegistryTest {

  private final OperationRegistry reg = new OperationRegistry();

  @Test
  void watcherSeesLaterProgressThenTheResult() throws Exception {
    var h = reg.start("banger.vm.v1.VmService/CreateVm", "vms/x", "req-1");
    h.progress(Progress.newBuilder().setStage("before").build());
    List<Object> seen = new ArrayList<>();
    assertTrue(reg.watch(h.id(), seen::add));
    h.progress(Progress.newBuilder().setStage("overlay").build());
    h.succeed(StringValue.of("ok"));
    assertEquals(2, seen.size());
    assertEquals("overlay", ((Progress) seen.get(0)).getStage());
    assertEquals(h.id(), ((Progress) seen.get(0)).getOperationId());
    Operation done = (Operation) seen.get(1);
    assertEquals(OperationState.OPERATION_STATE_SUCCEEDED, done.getState());
    assertEquals("ok", done.getResult().unpack(StringValue.class).getValue());
    assertEquals("req-1", done.getRequestId());
  }

  @Test
  void watchingAFinishedOperationDeliversItsEndAtOnce() {
    var h = reg.start("k", "t", "");
    h.fail(13, "disk full", "DISK_FULL");
    List<Object> seen = new ArrayList<>();
    assertTrue(reg.watch(h.id(), seen::add));
    assertEquals(OperationState.OPERATION_STATE_FAILED, ((Operation) seen.getFirst()).getState());
    assertEquals("DISK_FULL", ((Operation) seen.getFirst()).getError().getReason());
  }

  @Test
  void cancelRunsHooksAndEndsAsCancelled() {
    var h = reg.start("k", "t", "");
    AtomicBoolean undone = new AtomicBoolean();
    h.onCancel(() -> undone.set(true));
    reg.cancel(h.id());
    assertTrue(undone.get());
    assertTrue(h.cancelRequested());
    h.fail(1, "cancelled by caller", "CANCELLED");
    assertEquals(
        OperationState.OPERATION_STATE_CANCELLED, reg.get(h.id()).orElseThrow().getState());
  }

  @Test
  void cancelCallbacksRunOnceEvenWhenCancelledTwiceOrRegisteredLate() {
    var h = reg.start("k", "t", "");
    java.util.concurrent.atomic.AtomicInteger runs =
        new java.util.concurrent.atomic.AtomicInteger();
    h.onCancel(runs::incrementAndGet);
    reg.cancel(h.id());
    reg.cancel(h.id());
    h.onCancel(runs::incrementAndGet);
    assertEquals(2, runs.get(), "first callback once, late one once");
  }

  @Test
  void aThrowingWatcherIsDroppedAndOthersStillGetEverythingInOrder() {
    var h = reg.start("k", "t", "");
    List<Object> good = new ArrayList<>();
    reg.watch(
        h.id(),
        e -> {
          throw new IllegalStateException("client gone");
        });
    reg.watch(h.id(), good::add);
    h.progress(Progress.newBuilder().setStage("a").build());
    h.progress(Progress.newBuilder().setStage("b").build());
    h.succeed(StringValue.of("done"));
    assertEquals(
        List.of("a", "b"),
        good.subList(0, 2).stream().map(o -> ((Progress) o).getStage()).toList());
    assertTrue(((Progress) good.getFirst()).hasTime(), "watchers get timestamped progress");
    assertEquals(OperationState.OPERATION_STATE_SUCCEEDED, ((Operation) good.get(2)).getState());
  }

  @Test
  void unwatchStopsDelivery() {
    var h = reg.start("k", "t", "");
    List<Object> seen = new ArrayList<>();
    java.util.function.Consumer<Object> sink = seen::add;
    reg.watch(h.id(), sink);
    reg.unwatch(h.id(), sink);
    h.progress(Progress.newBuilder().setStage("a").build());
    assertEquals(List.of(), seen);
  }

  @Test
  void unknownIdsAreReported() {
    assertFalse(reg.watch("00000000-0000-0000-0000-000000000000", o -> {}));
    assertTrue(reg.cancel("00000000-0000-0000-0000-000000000000").isEmpty());
  }

  @Test
  void finishedOperationsAreBounded() {
    for (int i = 0; i < OperationRegistry.RETAINED_FINISHED + 50; i++) {
      reg.start("k", "t", "").succeed(StringValue.of("x"));
    }
    var running = reg.start("k", "t", "");
    assertEquals(
        OperationRegistry.RETAINED_FINISHED + 1,
        reg.list(OperationState.OPERATION_STATE_UNSPECIFIED).size());
    assertEquals(
        List.of(running.id()),
        reg.list(OperationState.OPERATION_STATE_RUNNING).stream().map(Operation::getId).toList());
  }
}
