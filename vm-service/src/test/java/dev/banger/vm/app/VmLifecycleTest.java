package dev.banger.vm.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.ops.StageProgress;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Create and start on fake ports: request ids (idempotent retry, reuse refused, hostile ids), a
 * cancelled create undone as if never asked (or kept on request), a graceful stop rolling back
 * starts under way, a forced delete cancelling a start instead of waiting for the boot.
 */
class VmLifecycleTest {

  static final StageProgress QUIET = (stage, message, done, total) -> {};
  static final String NOTHING = "leases=[] overlays=[] workDisks=[] taps=[] vmms=[]";

  @TempDir Path dir;
  AppHarness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new AppHarness(dir);
  }

  @Test
  void aCreateStartsTheVmAndPinsItsImage() throws Exception {
    VmRecord v = h.lifecycle.create(AppHarness.create("box"), QUIET, () -> false);
    assertEquals(VmState.RUNNING, v.state());
    assertEquals("172.16.0.9", v.ipAddress());
    assertEquals(List.of(v.id()), List.copyOf(h.images.references));
    assertTrue(h.host.held().contains("vmms=[1001]"), h.host.held());
  }

  @Test
  void aRetryWithTheSameRequestIdReturnsTheSameVmAndAnotherRequestIsRefused() throws Exception {
    VmRecord first = h.lifecycle.create(AppHarness.create("r-1", "box", 1), QUIET, () -> false);
    VmRecord again = h.lifecycle.create(AppHarness.create("r-1", "box", 1), QUIET, () -> false);
    assertEquals(first.id(), again.id());
    assertEquals(1, h.store.list().size());
    VmProblem p =
        assertThrows(
            VmProblem.class,
            () -> h.lifecycle.create(AppHarness.create("r-1", "box", 2), QUIET, () -> false));
    assertEquals(VmProblem.Kind.ALREADY_EXISTS, p.kind());
    assertEquals("REQUEST_ID_REUSED", p.reason());
    assertTrue(p.getMessage().endsWith("it differs in vcpu (1 before, 2 now)"), p.getMessage());
    assertEquals(1, h.store.list().size());
  }

  @Test
  void aRetryOfACreateWithAGeneratedNameIsTheSameRequest() throws Exception {
    VmRecord first = h.lifecycle.create(AppHarness.create("r-2", "", 1), QUIET, () -> false);
    assertEquals(
        first.id(), h.lifecycle.create(AppHarness.create("r-2", "", 1), QUIET, () -> false).id());
  }

  @Test
  void hostileRequestIdsAreRefusedBeforeAnythingIsMade() {
    for (String bad : List.of("x".repeat(129), "a\u0000b", "a\nb", "a b", "caf\u00e9")) {
      VmProblem p =
          assertThrows(
              VmProblem.class,
              () -> h.lifecycle.create(AppHarness.create(bad, "box", 1), QUIET, () -> false),
              bad);
      assertEquals(VmProblem.Kind.INVALID_ARGUMENT, p.kind());
      assertEquals("request_id", p.metadata().get("field"));
    }
    assertEquals(List.of(), h.host.calls, "nothing asked of any peer");
  }

  @Test
  void aCancelledCreateIsUndoneAsIfNeverAsked() throws Exception {
    h.host.cancelOn("launch");
    StartFailed f =
        assertThrows(
            StartFailed.class,
            () -> h.lifecycle.create(AppHarness.create("box"), QUIET, h.host.cancelled()));
    assertTrue(f.failure().cancelled());
    assertEquals(List.of(), h.store.list(), "no record: the name is free");
    assertEquals(NOTHING, h.host.held());
    assertEquals(List.of(), List.copyOf(h.images.references));
    h.host.cancelOn("none");
    assertEquals(
        VmState.RUNNING,
        h.lifecycle.create(AppHarness.create("box"), QUIET, () -> false).state(),
        "the name is usable again");
  }

  @Test
  void aCancelledCreateWhoseRemovalFailsIsStillReportedAsCancelledAndKeptForADelete()
      throws Exception {
    h.host.cancelOn("launch").failOn("removeOverlay");
    StartFailed f =
        assertThrows(
            StartFailed.class,
            () -> h.lifecycle.create(AppHarness.create("box"), QUIET, h.host.cancelled()));
    assertTrue(f.failure().cancelled(), f.getMessage());
    assertTrue(f.getMessage().contains("rolled back, except rootfs overlay"), f.getMessage());
    VmRecord v = h.store.find("box").orElseThrow();
    assertEquals(VmState.ERROR, v.state(), "kept, so a later delete can finish the job");
  }

  @Test
  void keepFailedKeepsACancelledCreateForInspection() throws Exception {
    h.host.cancelOn("launch");
    CreateRequest keep =
        new CreateRequest("", "box", "", "", 0, 0, 0, 0, false, "", false, true, null);
    assertThrows(StartFailed.class, () -> h.lifecycle.create(keep, QUIET, h.host.cancelled()));
    VmRecord v = h.store.find("box").orElseThrow();
    assertEquals(VmState.ERROR, v.state());
    assertTrue(v.stateReason().contains("cancelled"), v.stateReason());
    assertEquals(NOTHING, h.host.held());
  }

  @Test
  void aFailedCreateIsKeptInErrorForItsLogs() throws Exception {
    h.host.failOn("awaitReady");
    StartFailed f =
        assertThrows(
            StartFailed.class,
            () -> h.lifecycle.create(AppHarness.create("box"), QUIET, () -> false));
    assertEquals("ssh-ready", f.failure().step());
    assertEquals(VmState.ERROR, h.store.find("box").orElseThrow().state());
  }

  @Test
  void aGracefulStopRollsBackAStartUnderWayAndSaysSo() throws Exception {
    h.host.hangOn("awaitReady");
    CompletableFuture<VmRecord> create =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return h.lifecycle.create(AppHarness.create("box"), QUIET, () -> false);
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            });
    awaitCall("awaitReady");
    h.draining.begin();
    assertTrue(h.draining.awaitIdle(java.time.Duration.ofSeconds(10)), "the start rolled back");
    Throwable t =
        assertThrows(
                java.util.concurrent.ExecutionException.class,
                () -> create.get(10, TimeUnit.SECONDS))
            .getCause();
    VmProblem p =
        assertThrows(
            VmProblem.class,
            () -> {
              throw t;
            });
    assertEquals(VmProblem.Kind.UNAVAILABLE, p.kind());
    assertEquals("vm-service is stopping; VM box rolled back", p.getMessage());
    assertEquals(NOTHING, h.host.held());
    assertEquals(List.of(), h.store.list(), "a create cut short is undone entirely");
    VmProblem refused =
        assertThrows(
            VmProblem.class,
            () -> h.lifecycle.create(AppHarness.create("later"), QUIET, () -> false));
    assertEquals("vm-service is stopping; no new work is taken", refused.getMessage());
  }

  @Test
  void aForcedDeleteOfAStartingVmCancelsTheStartInsteadOfWaitingForTheBoot() throws Exception {
    h.host.hangOn("awaitReady");
    CompletableFuture<Void> create =
        CompletableFuture.runAsync(
            () -> {
              try {
                h.lifecycle.create(
                    new CreateRequest("", "box", "", "", 0, 0, 0, 0, false, "", false, true, null),
                    QUIET,
                    () -> false);
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            });
    awaitCall("awaitReady");
    long t0 = System.nanoTime();
    h.control.delete("box", true);
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "did not wait for a boot");
    assertThrows(
        java.util.concurrent.ExecutionException.class, () -> create.get(10, TimeUnit.SECONDS));
    assertEquals(List.of(), h.store.list());
    assertEquals(NOTHING, h.host.held());
  }

  @Test
  void aDeleteWithoutForceOfARunningVmIsRefusedAndNamesTheWayOut() throws Exception {
    h.lifecycle.create(AppHarness.create("box"), QUIET, () -> false);
    VmProblem p = assertThrows(VmProblem.class, () -> h.control.delete("box", false));
    assertEquals("vm \"box\" is running: stop it first, or delete with --force", p.getMessage());
  }

  private void awaitCall(String call) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!List.copyOf(h.host.calls).contains(call)) {
      assertTrue(System.nanoTime() < deadline, call + " was never made: " + h.host.calls);
      Thread.sleep(5);
    }
  }
}
