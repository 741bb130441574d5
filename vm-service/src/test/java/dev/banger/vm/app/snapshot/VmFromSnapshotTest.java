package dev.banger.vm.app.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.ops.StageProgress;
import dev.banger.vm.app.AppHarness;
import dev.banger.vm.app.CreateRequest;
import dev.banger.vm.app.StartFailed;
import dev.banger.vm.app.VmLifecycle;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.store.SnapshotRecord;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VMs started from a snapshot, on fake ports: the restore plan in order (disk copies from the
 * snapshot with nothing written onto them, the VMM restoring paused with the snapshot's MAC, the
 * clone network before the guest runs on, then the new identity), failures undone to nothing,
 * refusals before any port is called, and a delete refused while a VM starts from the snapshot.
 */
class VmFromSnapshotTest {

  static final StageProgress QUIET = (stage, message, done, total) -> {};

  @TempDir Path dir;
  AppHarness h;
  VmRecord up;
  SnapshotRecord snap;

  @BeforeEach
  void setUp() throws Exception {
    h = new AppHarness(dir);
    up = h.lifecycle.create(boot("up"), QUIET, () -> false);
    snap = h.snapshotCreate.create("up", "warm", QUIET, () -> false);
    h.host.calls.clear();
  }

  static CreateRequest boot(String name) {
    return new CreateRequest("", name, "", "", 0, 0, 0, 0, false, "", false, false, null);
  }

  static CreateRequest clone(String name, String snapshot) {
    return new CreateRequest("", name, "", "", 0, 0, 0, 0, false, "", false, false, null, snapshot);
  }

  @Test
  void theSnapshotIsRestoredIntoANewVmWithItsOwnIdentity() throws Exception {
    assertEquals(up.ipAddress(), snap.guestIp());
    assertEquals(up.macAddress(), snap.guestMac());
    List<String> stages = new ArrayList<>();
    VmRecord c =
        h.lifecycle.create(clone("c1", "warm"), (st, m, d, t) -> stages.add(st), () -> false);

    assertEquals(VmState.RUNNING, c.state());
    assertEquals(snap.image(), c.image());
    assertEquals(snap.memoryMib(), c.memoryMib());
    assertEquals(
        List.of(
            "leaseIp",
            "createOverlay",
            "createWorkDisk",
            "acquireTap",
            "restore",
            "createCloneNetwork",
            "resume",
            "awaitReady",
            "run"),
        h.host.calls.stream()
            .filter(
                x ->
                    !x.equals("ensureBridge")
                        && !x.startsWith("resolve")
                        && !x.equals("addReference"))
            .toList(),
        "no guest config or key written onto the copies: the restored guest holds them in cache");
    assertEquals(
        Arrays.asList(VmLifecycle.createStages(true)),
        stages.stream().distinct().toList(),
        "the restore's stages, announced as the call's");
    var spec = h.driver.restored.getLast();
    assertEquals(snap.guestMac(), spec.tap().orElseThrow().mac(), "the NIC the guest knows");
    assertEquals(snap.guestIp(), h.net.cloneNetworks.get(c.id()));
    String input = new String(h.guest.ranInputs.getLast(), StandardCharsets.ISO_8859_1);
    assertTrue(input.startsWith("c1\n"), "the name, then the time, on stdin: " + input);
    assertEquals(
        "c1", input.split("\n")[0], "the name travels on stdin, never in the command text");
    assertFalse(h.guest.ranCommands.getLast().contains("c1"));
    long sent = Long.parseLong(input.split("\n")[1].split("\\.")[0]);
    assertTrue(Math.abs(sent - System.currentTimeMillis() / 1000) < 60, "the host's time now");

    VmRecord c2 = h.lifecycle.create(clone("c2", snap.id()), QUIET, () -> false);
    assertEquals(VmState.RUNNING, c2.state(), "many VMs from one snapshot, by id as by name");
    assertFalse(
        Arrays.equals(
            tail(h.guest.ranInputs.get(h.guest.ranInputs.size() - 2)),
            tail(h.guest.ranInputs.getLast())),
        "each clone gets fresh randomness");

    assertFalse(c.ipAddress().equals(snap.guestIp()), "reached at its own lease address");
    SnapshotRecord ofClone = h.snapshotCreate.create("c1", "second", QUIET, () -> false);
    assertEquals(
        snap.guestIp(),
        ofClone.guestIp(),
        "a clone's snapshot records the address its guest holds");
    assertEquals(snap.guestMac(), ofClone.guestMac());
    h.control.stop("c1", 0);
    assertFalse(h.net.cloneNetworks.containsKey(c.id()), "the tap's release takes the namespace");
    h.host.calls.clear();
    h.lifecycle.start("c1", QUIET, () -> false);
    assertTrue(
        h.host.calls.contains("launch") && h.host.calls.contains("writeOverlayConfig"),
        "a later start boots, as any VM's: " + h.host.calls);
  }

  private static byte[] tail(byte[] input) {
    return Arrays.copyOfRange(input, input.length - 64, input.length);
  }

  @Test
  void aFailedCloneNetworkIsUndoneToNothing() throws Exception {
    String before = h.host.held();
    h.host.failOn("createCloneNetwork");
    assertThrows(
        StartFailed.class, () -> h.lifecycle.create(clone("c1", "warm"), QUIET, () -> false));
    assertEquals(before, h.host.held(), "copies, tap, VMM and lease all given back");
    assertTrue(
        h.store.find("c1").isEmpty(),
        "no VM left that a later start would boot cold from its image");

    h.host.recover("createCloneNetwork").failOn("restore");
    assertThrows(
        StartFailed.class,
        () ->
            h.lifecycle.create(
                new CreateRequest(
                    "", "kept", "", "", 0, 0, 0, 0, false, "", false, true, null, "warm"),
                QUIET,
                () -> false));
    assertEquals(VmState.ERROR, h.store.find("kept").orElseThrow().state(), "kept_failed keeps it");
  }

  @Test
  void aVmLeasedTheSnapshotsOwnAddressNeedsNoCloneNetwork() throws Exception {
    h.control.delete("up", true);
    h.net.nextIp = snap.guestIp();
    VmRecord c = h.lifecycle.create(clone("heir", "warm"), QUIET, () -> false);
    assertEquals(VmState.RUNNING, c.state());
    assertEquals(snap.guestIp(), c.ipAddress());
    assertFalse(h.host.calls.contains("createCloneNetwork"), "on the bridge, as a booted VM");
    assertTrue(h.net.cloneNetworks.isEmpty());
  }

  @Test
  void aCancelledCloneLeavesNoRecordEither() throws Exception {
    String before = h.host.held();
    h.host.cancelOn("restore");
    assertThrows(
        StartFailed.class,
        () -> h.lifecycle.create(clone("c1", "warm"), QUIET, h.host.cancelled()));
    assertEquals(before, h.host.held());
    assertTrue(h.store.find("c1").isEmpty());
  }

  @Test
  void whatTheSnapshotFixesIsRefusedBeforeAnyPortIsCalled() throws Exception {
    CreateRequest[] bad = {
      new CreateRequest("", "x", "other", "", 0, 0, 0, 0, false, "", false, false, null, "warm"),
      new CreateRequest("", "x", "", "k", 0, 0, 0, 0, false, "", false, false, null, "warm"),
      new CreateRequest("", "x", "", "", 3, 0, 0, 0, false, "", false, false, null, "warm"),
      new CreateRequest("", "x", "", "", 0, 4096, 0, 0, false, "", false, false, null, "warm"),
      new CreateRequest("", "x", "", "", 0, 0, 0, 0, false, "", true, false, null, "warm"),
    };
    String[] field = {"image", "kernel", "spec.vcpu", "spec.memory_mib", "no_start"};
    for (int i = 0; i < bad.length; i++) {
      int n = i;
      VmProblem p =
          assertThrows(VmProblem.class, () -> h.lifecycle.create(bad[n], QUIET, () -> false));
      assertEquals(VmProblem.Kind.INVALID_ARGUMENT, p.kind(), field[i]);
      assertEquals(field[i], p.metadata().get("field"), p.getMessage());
    }
    VmProblem none =
        assertThrows(
            VmProblem.class, () -> h.lifecycle.create(clone("x", "nope"), QUIET, () -> false));
    assertEquals("SNAPSHOT_NOT_FOUND", none.reason());
    // Sizes equal to the snapshot's are no conflict.
    h.lifecycle.create(
        new CreateRequest("", "same", "", "", 1, 0, 0, 0, false, "", false, false, null, "warm"),
        QUIET,
        () -> false);
    h.host.calls.clear();

    h.snapshotStore.insert(
        SnapshotRecord.of(up)
            .guestIp(null)
            .id(java.util.UUID.randomUUID().toString())
            .name("old")
            .directory(dir)
            .build());
    VmProblem old =
        assertThrows(
            VmProblem.class, () -> h.lifecycle.create(clone("x", "old"), QUIET, () -> false));
    assertEquals("SNAPSHOT_TOO_OLD", old.reason());
    assertEquals(List.of(), h.host.calls, "refused before any port was called");
    assertTrue(h.store.find("x").isEmpty());
  }

  @Test
  void aSnapshotIsNotDeletedWhileAVmStartsFromIt() throws Exception {
    h.host.hangOn("awaitReady");
    CompletableFuture<VmRecord> starting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return h.lifecycle.create(clone("c1", "warm"), QUIET, () -> false);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    while (!h.host.calls.contains("awaitReady")) {
      Thread.sleep(5);
    }
    VmProblem inUse = assertThrows(VmProblem.class, () -> h.snapshots.delete("warm"));
    assertEquals("SNAPSHOT_IN_USE", inUse.reason());
    assertEquals(VmProblem.Kind.FAILED_PRECONDITION, inUse.kind());
    h.host.unhang("awaitReady");
    assertEquals(VmState.RUNNING, starting.get().state());
    h.snapshots.delete("warm");
    assertTrue(h.snapshotStore.find("warm").isEmpty(), "once started, the clone needs it no more");
  }
}
