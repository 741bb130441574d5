package dev.banger.vm.steps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The start plan's shape (docs/architecture.md §4) over a fake host: each step acquires named
 * resources into {@link #host}, and the test injects a failure at every point to prove the host
 * always ends as it started.
 */
class StepRunnerTest {

  static final List<String> NAMES =
      List.of("overlay", "guest-config", "work-disk", "lease", "tap", "vmm", "ready");

  final Set<String> host = new LinkedHashSet<>();
  final List<String> undone = new ArrayList<>();
  final List<String> events = new ArrayList<>();

  /**
   * Each step acquires two resources ("<step>#1", "<step>#2"); it may fail before, between or after
   * them.
   */
  List<Step> plan(String failAt, int failPoint) {
    List<Step> plan = new ArrayList<>();
    for (String n : NAMES) {
      plan.add(
          Step.of(
              n,
              ctx -> {
                for (int k = 1; k <= 2; k++) {
                  if (n.equals(failAt) && failPoint == k) {
                    throw new IllegalStateException("injected at " + n + " point " + k);
                  }
                  String r = n + "#" + k;
                  host.add(r);
                  ctx.onUndo(
                      r,
                      () -> {
                        undone.add(r);
                        host.remove(r);
                      });
                }
                if (n.equals(failAt) && failPoint == 3) {
                  throw new IllegalStateException("injected at " + n + " point 3");
                }
              }));
    }
    return plan;
  }

  StepRunner.Listener listener() {
    return new StepRunner.Listener() {
      @Override
      public void started(int index, int count, String step) {
        events.add("start " + index + "/" + count + " " + step);
      }

      @Override
      public void finished(int index, int count, String step, long millis) {
        events.add("done " + step);
      }
    };
  }

  @Test
  void aFailureAnywhereUndoesEverythingInReverse() {
    for (String at : NAMES) {
      for (int p = 1; p <= 3; p++) {
        int point = p;
        host.clear();
        undone.clear();
        String where = at + " point " + point;
        StepFailedException e =
            assertThrows(
                StepFailedException.class,
                () -> StepRunner.run(plan(at, point), listener(), () -> false),
                where);
        assertEquals(at, e.step(), where);
        assertTrue(host.isEmpty(), where + ": left " + host);
        List<String> expected = new ArrayList<>();
        for (String n : NAMES.subList(0, NAMES.indexOf(at) + 1)) {
          for (int k = 1; k <= 2; k++) {
            if (!(n.equals(at) && k >= point)) {
              expected.add(0, n + "#" + k);
            }
          }
        }
        assertEquals(expected, undone, where + ": reverse order, partial step included");
        assertTrue(e.failedUndos().isEmpty());
        assertFalse(e.cancelled());
        assertTrue(
            e.getMessage().contains("step " + at + " failed: injected at " + at), e.getMessage());
      }
    }
  }

  @Test
  void successKeepsTheResourcesAndTimesEachStep() throws Exception {
    List<StepRunner.Timing> t = StepRunner.run(plan("none", 0), listener(), () -> false);
    assertEquals(NAMES, t.stream().map(StepRunner.Timing::step).toList());
    assertEquals(14, host.size());
    assertTrue(undone.isEmpty());
    assertEquals("start 1/7 overlay", events.getFirst());
    assertEquals("done ready", events.getLast());
  }

  @Test
  void cancellingBetweenStepsRollsBackAndSaysCancelled() {
    AtomicBoolean cancel = new AtomicBoolean();
    List<Step> plan = new ArrayList<>(plan("none", 0));
    plan.add(3, Step.of("cancel-here", ctx -> cancel.set(true)));
    StepFailedException e =
        assertThrows(
            StepFailedException.class, () -> StepRunner.run(plan, listener(), cancel::get));
    assertTrue(e.cancelled());
    assertEquals("lease", e.step(), "stopped before the next step");
    assertTrue(host.isEmpty(), "left " + host);
    assertFalse(events.contains("start 5/8 lease"));
  }

  @Test
  void aFailingUndoDoesNotStopTheOthersAndIsReported() {
    List<Step> plan =
        List.of(
            Step.of(
                "a",
                ctx -> {
                  host.add("a");
                  ctx.onUndo("resource a", () -> host.remove("a"));
                }),
            Step.of(
                "b",
                ctx -> {
                  host.add("b");
                  ctx.onUndo(
                      "tap tb-1",
                      () -> {
                        throw new IllegalStateException("device busy");
                      });
                }),
            Step.of(
                "c",
                ctx -> {
                  throw new IllegalStateException("boom");
                }));
    StepFailedException e =
        assertThrows(
            StepFailedException.class, () -> StepRunner.run(plan, listener(), () -> false));
    assertEquals(List.of("tap tb-1: device busy"), e.failedUndos());
    assertEquals(Set.of("b"), host, "a was still undone after b's undo failed");
    assertTrue(
        e.getMessage().contains("rolled back, except tap tb-1: device busy"), e.getMessage());
  }

  @Test
  void anInterruptedStepStillRunsEveryUndoAndKeepsTheInterrupt() {
    List<Step> plan =
        List.of(
            Step.of(
                "a",
                ctx -> {
                  host.add("a");
                  ctx.onUndo(
                      "a",
                      () -> {
                        if (Thread.currentThread().isInterrupted()) {
                          throw new IllegalStateException("undo saw the interrupt");
                        }
                        host.remove("a");
                      });
                }),
            Step.of(
                "wait",
                ctx -> {
                  throw new InterruptedException("stopped");
                }));
    StepFailedException e =
        assertThrows(
            StepFailedException.class, () -> StepRunner.run(plan, listener(), () -> false));
    assertTrue(Thread.interrupted(), "the interrupt is kept for the caller (and cleared here)");
    assertTrue(host.isEmpty());
    assertTrue(e.failedUndos().isEmpty());
  }

  @Test
  void anErrorThrownByAStepIsRolledBackToo() {
    List<Step> plan =
        List.of(
            Step.of(
                "a",
                ctx -> {
                  host.add("a");
                  ctx.onUndo("a", () -> host.remove("a"));
                }),
            Step.of(
                "b",
                ctx -> {
                  throw new OutOfMemoryError("simulated");
                }));
    StepFailedException e =
        assertThrows(
            StepFailedException.class, () -> StepRunner.run(plan, listener(), () -> false));
    assertTrue(host.isEmpty());
    assertTrue(e.getCause() instanceof OutOfMemoryError);
  }
}
