package dev.banger.bangerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.net.v1.ListLeasesRequest;
import dev.banger.api.net.v1.NetServiceGrpc;
import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.CreateVmResponse;
import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.GetVmLogsRequest;
import dev.banger.api.vm.v1.GetVmRequest;
import dev.banger.api.vm.v1.GetVmStatsRequest;
import dev.banger.api.vm.v1.GetVmStatsResponse;
import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.PauseVmRequest;
import dev.banger.api.vm.v1.ResumeVmRequest;
import dev.banger.api.vm.v1.SetVmRequest;
import dev.banger.api.vm.v1.StartVmRequest;
import dev.banger.api.vm.v1.StopVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.api.vm.v1.VmState;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.state.ServiceName;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole VM path on real parts (issue #6), on a {@link BootedStack}: Debian's kernel imported
 * from the host, the debian-bookworm image built from Debian's mirror with mmdebstrap and paired
 * with it, then all four services (bangerd --all) inside a network namespace this test made,
 * booting guests under QEMU TCG that are reached over SSH. Every phase ends by checking the host
 * holds exactly what the VMs that should exist hold: taps, leases, disk files, QEMU processes,
 * known_hosts lines.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VmLifecycleIT {

  static final String NETNS = "bgvm-" + ProcessHandle.current().pid();
  static BootedStack booted;
  static VmStack stack;
  static Path state;

  @BeforeAll
  static void setUp() throws Exception {
    booted = BootedStack.start(NETNS, "VmLifecycleIT");
    stack = booted.stack;
    state = booted.state;
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (booted != null) {
      booted.close();
    }
  }

  static <T> T last(Iterator<T> it) {
    return BootedStack.last(it);
  }

  static VmServiceGrpc.VmServiceBlockingStub vms() {
    return VmServiceGrpc.newBlockingStub(stack.channel(ServiceName.VM))
        .withDeadlineAfter(10, TimeUnit.MINUTES);
  }

  static Vm create(String name, List<String> stages) {
    Iterator<CreateVmResponse> it =
        vms().createVm(CreateVmRequest.newBuilder().setName(name).build());
    Vm vm = null;
    while (it.hasNext()) {
      CreateVmResponse r = it.next();
      if (r.hasProgress() && stages != null && !stages.contains(r.getProgress().getStage())) {
        stages.add(r.getProgress().getStage());
      }
      if (r.hasVm()) {
        vm = r.getVm();
      }
    }
    return vm;
  }

  static Vm get(String name) {
    return vms().getVm(GetVmRequest.newBuilder().setVm(name).build()).getVm();
  }

  /** What the host holds for VMs, to compare with what should exist. */
  record HostState(
      List<String> taps,
      int leases,
      List<String> diskFiles,
      List<String> qemus,
      long pinnedHosts,
      List<String> loopDevices,
      long nftVmRules) {}

  static HostState host() throws Exception {
    List<String> taps =
        stack
            .inNetns(Duration.ofSeconds(10), "ip", "-o", "link", "show")
            .stdoutText()
            .lines()
            .map(l -> l.split(": ")[1].split("@")[0])
            .filter(n -> n.startsWith("tb"))
            .sorted()
            .toList();
    int leases =
        NetServiceGrpc.newBlockingStub(stack.channel(ServiceName.NET))
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .listLeases(ListLeasesRequest.getDefaultInstance())
            .getLeasesCount();
    List<String> disks = filesUnder(state.resolve("lib/vms"));
    List<String> qemus =
        VmStack.RUN
            .run(Command.of("pgrep", "-f", "qemu-system-x86_64.*" + state).build())
            .stdoutText()
            .lines()
            .toList();
    Path known = state.resolve("lib/ssh/known_hosts");
    long pinned =
        Files.exists(known)
            ? Files.readAllLines(known).stream().filter(l -> !l.isBlank()).count()
            : 0;
    // Loop devices are the host's, not the namespace's: only those backed by this state dir.
    List<String> loops =
        VmStack.RUN
            .run(
                Command.of("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE")
                    .build())
            .stdoutText()
            .lines()
            .filter(l -> l.contains(state.toString()))
            .toList();
    long nftRules =
        stack
            .inNetns(Duration.ofSeconds(10), "nft", "list", "ruleset")
            .stdoutText()
            .lines()
            .filter(l -> l.contains("comment \"vm:"))
            .count();
    return new HostState(taps, leases, disks, qemus, pinned, loops, nftRules);
  }

  /**
   * Regular files below {@code dir}, relative to it. vm-service may remove a file while this walks
   * (reconcile deletes a dead VM's handles.json), so a file that vanished between listing and
   * reading is simply not there.
   */
  static List<String> filesUnder(Path dir) throws IOException {
    List<String> files = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile()) {
              files.add(dir.relativize(file).toString());
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }
        });
    return files.stream().sorted().toList();
  }

  static final HostState EMPTY = new HostState(List.of(), 0, List.of(), List.of(), 0, List.of(), 0);

  /**
   * The crash matrix: bangerd (all four services) is killed with SIGKILL the moment vm-service
   * reports each start step begun, then restarted. After each restart no VMM of the VM runs and no
   * {@code .partial} disk is left; the VM is then deleted to nothing. At ssh-ready the VM's handles
   * file is also removed before the restart, which is exactly the state a crash between the VMM's
   * launch and the handle write leaves (QEMU running, vm-service holding no record of it):
   * reconcile must find that VMM through the kernel and stop it; that VM is then started again to
   * prove it usable.
   */
  @Test
  @Order(1)
  void aCrashAtEveryStartStepLeavesAVmThatIsUsableOrDeletableToNothing() throws Exception {
    assertEquals(EMPTY, host(), "nothing before the first VM");
    List<String> steps =
        List.of(
            "resolve-image",
            "ip-lease",
            "rootfs-overlay",
            "guest-config",
            "work-disk",
            "tap",
            "launch-vmm",
            "ssh-ready");
    for (String step : steps) {
      String name =
          "crash-" + step.replace("ip-", "").replace("rootfs-", "").replace("resolve-", "");
      long t0 = System.nanoTime();
      Thread client = createUntil(name, step);
      stack.kill9();
      client.join(60_000);
      if (step.equals("ssh-ready")) {
        Path vmDir = vmDirOf(name);
        Files.deleteIfExists(vmDir.resolve("handles.json"));
      }
      stack.start(true, "--all");
      assertEquals(
          List.of(), host().qemus(), "after a crash at " + step + ": reconcile stopped the VMM");
      assertEquals(
          List.of(),
          filesUnder(state.resolve("lib")).stream().filter(f -> f.contains(".partial")).toList(),
          "after a crash at " + step + ": disk-service removed its half-made disks");
      List<Vm> vms = vms().listVms(ListVmsRequest.getDefaultInstance()).getVmsList();
      for (Vm v : vms) {
        assertEquals(VmState.VM_STATE_ERROR, v.getState(), "after a crash at " + step + ": " + v);
      }
      if (step.equals("ssh-ready")) {
        Vm started = last(vms().startVm(StartVmRequest.newBuilder().setVm(name).build())).getVm();
        assertEquals(
            VmState.VM_STATE_RUNNING, started.getState(), "usable after the crash: " + started);
        assertEquals(0, stack.ssh(started.getIpAddress(), "true").exitCode());
      }
      for (Vm v : vms) {
        vms().deleteVm(DeleteVmRequest.newBuilder().setVm(v.getName()).setForce(true).build());
      }
      awaitNoTaps();
      assertEquals(EMPTY, host(), "after a crash at " + step + " and a delete");
      System.out.printf(
          "[VmLifecycleIT] crash at %s: %d VM(s) recorded, reconciled, deleted to nothing in %d ms%n",
          step, vms.size(), (System.nanoTime() - t0) / 1_000_000);
    }
  }

  /**
   * Starts a create of {@code name} on a thread; returns once vm-service says {@code step} began.
   */
  static Thread createUntil(String name, String step) throws Exception {
    return createUntil(vms(), name, step);
  }

  static Thread createUntil(VmServiceGrpc.VmServiceBlockingStub vm, String name, String step)
      throws Exception {
    java.util.concurrent.CountDownLatch reached = new java.util.concurrent.CountDownLatch(1);
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    Iterator<CreateVmResponse> it =
                        vm.createVm(CreateVmRequest.newBuilder().setName(name).build());
                    while (it.hasNext()) {
                      CreateVmResponse r = it.next();
                      if (r.hasProgress() && r.getProgress().getStage().equals(step)) {
                        reached.countDown();
                      }
                    }
                  } catch (StatusRuntimeException e) {
                    // the service went away under the call: expected
                  } finally {
                    reached.countDown();
                  }
                });
    assertTrue(reached.await(5, TimeUnit.MINUTES), "create reached " + step);
    return t;
  }

  static Path vmDirOf(String name) throws Exception {
    try (var dirs = Files.list(state.resolve("lib/vms"))) {
      for (Path d : dirs.toList()) {
        Path h = d.resolve("handles.json");
        if (Files.exists(h)) {
          return d;
        }
      }
    }
    throw new AssertionError("no handles.json of " + name + " under lib/vms");
  }

  /** Waits until vm-service has removed the VM (a cancelled create's rollback ends with that). */
  static void awaitGone(VmServiceGrpc.VmServiceBlockingStub vm, String name) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        vm.getVm(GetVmRequest.newBuilder().setVm(name).build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
          return;
        }
        throw e;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("vm " + name + " still recorded 60 s after its create was cancelled");
  }

  static void awaitNoTaps() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!host().taps().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
  }

  /**
   * A graceful stop with five creates in flight: every one is rolled back while the peer services
   * are still up, each client is told UNAVAILABLE with what became of its VM, and after a restart
   * the host holds nothing (a create cut short is undone entirely, as if never asked).
   */
  @Test
  @Order(2)
  void aGracefulStopRollsBackEveryCreateInFlight() throws Exception {
    int n = 5;
    java.util.concurrent.CountDownLatch atTap = new java.util.concurrent.CountDownLatch(n);
    List<StatusRuntimeException> told = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = "sigterm-" + i;
      clients.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    boolean counted = false;
                    try {
                      Iterator<CreateVmResponse> it =
                          vms().createVm(CreateVmRequest.newBuilder().setName(name).build());
                      while (it.hasNext()) {
                        CreateVmResponse r = it.next();
                        if (!counted
                            && r.hasProgress()
                            && List.of("tap", "launch-vmm", "ssh-ready")
                                .contains(r.getProgress().getStage())) {
                          counted = true;
                          atTap.countDown();
                        }
                      }
                    } catch (StatusRuntimeException e) {
                      told.add(e);
                    } finally {
                      if (!counted) {
                        atTap.countDown();
                      }
                    }
                  }));
    }
    assertTrue(atTap.await(5, TimeUnit.MINUTES));
    long t0 = System.nanoTime();
    stack.stop();
    System.out.printf(
        "[VmLifecycleIT] SIGTERM with %d creates in flight: stopped in %d ms%n",
        n, (System.nanoTime() - t0) / 1_000_000);
    for (Thread c : clients) {
      c.join(60_000);
    }
    assertEquals(n, told.size(), "every client got an answer: " + told);
    for (StatusRuntimeException e : told) {
      assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
      assertTrue(
          e.getStatus()
              .getDescription()
              .matches("vm-service is stopping; VM sigterm-\\d rolled back"),
          e.getStatus().getDescription());
    }
    stack.start(true, "--all");
    assertEquals(0, vms().listVms(ListVmsRequest.getDefaultInstance()).getVmsCount());
    awaitNoTaps();
    assertEquals(EMPTY, host(), "a stop rolls back everything it cut short");
  }

  @Test
  @Order(3)
  void aCancelledCreateRollsBackToo() throws Exception {
    Context.CancellableContext ctx = Context.current().withCancellation();
    List<String> seen = new ArrayList<>();
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ctx.run(
                    () -> {
                      Iterator<CreateVmResponse> it =
                          vms().createVm(CreateVmRequest.newBuilder().setName("cancelled").build());
                      while (it.hasNext()) {
                        CreateVmResponse r = it.next();
                        if (r.hasProgress()) {
                          seen.add(r.getProgress().getStage());
                          if (r.getProgress().getStage().equals("ssh-ready")) {
                            ctx.cancel(null); // the client goes away while the guest boots
                          }
                        }
                      }
                    }));
    assertEquals(io.grpc.Status.Code.CANCELLED, e.getStatus().getCode(), e.toString());
    assertTrue(seen.contains("launch-vmm"), seen.toString());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (vms().listVms(ListVmsRequest.getDefaultInstance()).getVmsCount() > 0
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertThrows(
        StatusRuntimeException.class, () -> get("cancelled"), "as if never asked: the VM is gone");
    assertEquals(EMPTY, host(), "a cancel undoes the VMM, tap, disks, lease and record");

    // keep_failed: the same cancel keeps the VM in error, for inspection.
    Context.CancellableContext keep = Context.current().withCancellation();
    assertThrows(
        StatusRuntimeException.class,
        () ->
            keep.run(
                () -> {
                  Iterator<CreateVmResponse> it =
                      vms()
                          .createVm(
                              CreateVmRequest.newBuilder()
                                  .setName("kept")
                                  .setKeepFailed(true)
                                  .build());
                  while (it.hasNext()) {
                    if (it.next().getProgress().getStage().equals("tap")) {
                      keep.cancel(null);
                    }
                  }
                }));
    deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (get("kept").getState() != VmState.VM_STATE_ERROR && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    Vm kept = get("kept");
    assertEquals(VmState.VM_STATE_ERROR, kept.getState());
    assertTrue(kept.getStateReason().contains("cancelled"), kept.getStateReason());
    vms().deleteVm(DeleteVmRequest.newBuilder().setVm("kept").build());
    assertEquals(EMPTY, host());
  }

  @Test
  @Order(4)
  void createRunsOverSshSurvivesStopStartAndDeleteLeavesNothing() throws Exception {
    List<String> stages = new ArrayList<>();
    long t0 = System.nanoTime();
    Vm vm = create("e2e-one", stages);
    System.out.printf(
        "[VmLifecycleIT] create+start to SSH-ready: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals(VmState.VM_STATE_RUNNING, vm.getState(), vm.toString());
    assertEquals(
        List.of(
            "resolve-image",
            "ip-lease",
            "rootfs-overlay",
            "guest-config",
            "work-disk",
            "tap",
            "launch-vmm",
            "ssh-ready"),
        stages);
    String ip = vm.getIpAddress();
    CommandResult uname = stack.ssh(ip, "uname -a; cat /etc/hostname");
    assertEquals(0, uname.exitCode(), uname.stderrText());
    assertTrue(uname.stdoutText().contains("Linux e2e-one"), uname.stdoutText());
    assertTrue(uname.stdoutText().lines().anyMatch("e2e-one"::equals), uname.stdoutText());
    assertEquals(0, stack.ssh(ip, "echo kept > /root/marker && sync").exitCode());
    // A process that a snapshot carries into its clones.
    assertEquals(
        0, stack.ssh(ip, "nohup sleep 86400 >/dev/null 2>&1 </dev/null & echo started").exitCode());
    StringBuilder console = new StringBuilder();
    vms()
        .getVmLogs(GetVmLogsRequest.newBuilder().setVm("e2e-one").build())
        .forEachRemaining(c -> console.append(c.getData().toStringUtf8()));
    assertTrue(
        console.toString().contains("Linux version") && console.toString().contains("Welcome to "),
        "the serial console, the kernel's first line and systemd's welcome; its tail: "
            + console.substring(Math.max(0, console.length() - 400)));
    GetVmStatsResponse stats =
        vms().getVmStats(GetVmStatsRequest.newBuilder().setVm("e2e-one").build());
    assertTrue(stats.getCpuSeconds() > 1 && stats.getMemoryRssBytes() > 64 << 20, stats.toString());
    assertTrue(
        stats.getWorkDiskUsedBytes() > 0
            && stats.getOverlayUsedBytes() > stats.getWorkDiskUsedBytes(),
        stats.toString());
    HostState running = host();
    assertEquals(1, running.taps().size());
    assertEquals(1, running.qemus().size());
    assertEquals(1, running.pinnedHosts());

    // A snapshot of the running VM: its disks and memory at one instant, the VM running on.
    snapshotOfARunningVmIsWholeAndTheVmRunsOn(ip);

    // A paused VM stops gracefully too: vm-service resumes it first, so the guest powers off.
    assertEquals(
        VmState.VM_STATE_PAUSED,
        vms().pauseVm(PauseVmRequest.newBuilder().setVm("e2e-one").build()).getVm().getState());
    Vm stopped = vms().stopVm(StopVmRequest.newBuilder().setVm("e2e-one").build()).getVm();
    assertEquals(VmState.VM_STATE_STOPPED, stopped.getState());
    assertTrue(
        stack.log().contains("stopped VM e2e-one (guest powered off)"),
        "the paused guest was resumed and powered itself off");
    HostState atRest = host();
    assertEquals(List.of(), atRest.taps(), "the tap goes with the boot");
    assertEquals(List.of(), atRest.qemus());
    assertEquals(1, atRest.leases(), "the lease stays with the VM");

    // Stopped: a larger work disk for the next start (vm set --disk-size), files kept.
    long before = get("e2e-one").getSpec().getWorkDiskBytes();
    vms()
        .setVm(
            SetVmRequest.newBuilder()
                .setVm("e2e-one")
                .setWorkDiskBytes(before + (256L << 20))
                .build());

    last(vms().startVm(StartVmRequest.newBuilder().setVm("e2e-one").build()));
    assertEquals(VmState.VM_STATE_RUNNING, get("e2e-one").getState());
    assertEquals(ip, get("e2e-one").getIpAddress(), "same address after a restart");
    CommandResult marker = stack.ssh(ip, "cat /root/marker");
    assertEquals("kept\n", marker.stdoutText(), marker.stderrText());
    CommandResult df = stack.ssh(ip, "df -B1 --output=size /root | tail -1");
    long size = Long.parseLong(df.stdoutText().strip());
    assertTrue(
        size > before && size <= before + (256L << 20),
        "/root grew from " + before + " to about " + (before + (256L << 20)) + ": " + size);
  }

  @Test
  @Order(5)
  void aKilledVmServiceAdoptsItsVmAndAKilledVmmIsReconciled() throws Exception {
    Vm before = get("e2e-one");
    assertEquals(VmState.VM_STATE_RUNNING, before.getState());
    long qemu = Long.parseLong(host().qemus().getFirst().strip());

    // Paused: the vCPUs stop, so the guest answers nothing, not even a TCP handshake; the VMM,
    // tap and lease stay. A vm-service killed meanwhile adopts it paused (QMP says so), and a
    // resume brings the guest back where it was.
    Vm paused = vms().pauseVm(PauseVmRequest.newBuilder().setVm("e2e-one").build()).getVm();
    assertEquals(VmState.VM_STATE_PAUSED, paused.getState());
    assertEquals(1, host().taps().size());
    // Either the connect times out (124) or, with a stale neighbour entry, ARP gives up: both
    // mean nothing answered, and the same probe succeeds once the VM is resumed (below).
    assertNotEquals(0, sshPort(before.getIpAddress()), "a paused guest does not answer");
    stack.kill9();
    stack.start(true, "--all");
    assertTrue(stack.log().contains("adopted paused VM e2e-one"), "adopted paused on restart");
    assertEquals(VmState.VM_STATE_PAUSED, get("e2e-one").getState());
    assertEquals(
        VmState.VM_STATE_RUNNING,
        vms().resumeVm(ResumeVmRequest.newBuilder().setVm("e2e-one").build()).getVm().getState());
    assertTrue(answersWithin(before.getIpAddress(), Duration.ofSeconds(30)), "resumed, it answers");
    assertEquals(qemu, Long.parseLong(host().qemus().getFirst().strip()), "the same VMM");

    stack.kill9();
    assertTrue(
        ProcessHandle.of(qemu).map(ProcessHandle::isAlive).orElse(false),
        "the VMM outlives vm-service");
    stack.start(true, "--all");
    assertTrue(stack.log().contains("adopted running VM e2e-one"), "adopted on restart");
    assertEquals(VmState.VM_STATE_RUNNING, get("e2e-one").getState());
    assertEquals(0, stack.ssh(before.getIpAddress(), "true").exitCode(), "still reachable");

    // Now the VMM dies while vm-service is down: reconcile marks the VM stopped and frees the tap.
    stack.kill9();
    VmStack.RUN.check(Command.of("kill", "-9", Long.toString(qemu)).build());
    stack.start(true, "--all");
    Vm after = get("e2e-one");
    assertEquals(VmState.VM_STATE_STOPPED, after.getState(), after.toString());
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!host().taps().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertEquals(List.of(), host().taps(), "reconcile released the dead VM's tap");

    // And a VMM killed while vm-service runs is noticed at the next read.
    last(vms().startVm(StartVmRequest.newBuilder().setVm("e2e-one").build()));
    long qemu2 = Long.parseLong(host().qemus().getFirst().strip());
    assertNotEquals(qemu, qemu2);
    VmStack.RUN.check(Command.of("kill", "-9", Long.toString(qemu2)).build());
    ProcessHandle.of(qemu2).ifPresent(h -> h.onExit().join());
    assertEquals(VmState.VM_STATE_STOPPED, get("e2e-one").getState());
  }

  boolean answersWithin(String ip, Duration limit) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    while (sshPort(ip) != 0) {
      if (System.nanoTime() > deadline) {
        return false;
      }
    }
    return true;
  }

  /**
   * SnapshotService on real QEMU and disk-service: the VM paused, its disks copied and its state
   * saved, then resumed; the files are where the snapshot says; a delete takes them all.
   */
  void snapshotOfARunningVmIsWholeAndTheVmRunsOn(String ip) throws Exception {
    var snaps =
        dev.banger.api.vm.v1.SnapshotServiceGrpc.newBlockingStub(stack.channel(ServiceName.VM))
            .withDeadlineAfter(10, TimeUnit.MINUTES);
    List<String> stages = new ArrayList<>();
    dev.banger.api.vm.v1.Snapshot snap = null;
    long t0 = System.nanoTime();
    var it =
        snaps.createSnapshot(
            dev.banger.api.vm.v1.CreateSnapshotRequest.newBuilder()
                .setVm("e2e-one")
                .setName("e2e-snap")
                .build());
    while (it.hasNext()) {
      var e = it.next();
      if (e.hasProgress()) {
        stages.add(e.getProgress().getStage());
      } else {
        snap = e.getSnapshot();
      }
    }
    System.out.printf(
        "[VmLifecycleIT] snapshot of a running VM: %d ms, state %d bytes, disks %d bytes%n",
        (System.nanoTime() - t0) / 1_000_000, snap.getStateBytes(), snap.getDiskBytes());
    assertEquals(
        List.of("drop-caches", "pause", "copy-disks", "save-state", "record", "resume"), stages);
    assertEquals(VmState.VM_STATE_RUNNING, get("e2e-one").getState(), "resumed");
    assertEquals(0, stack.ssh(ip, "true").exitCode(), "and answering");
    Path dir = state.resolve("lib/snapshots").resolve(snap.getId());
    assertTrue(Files.isRegularFile(dir.resolve("rootfs.ext4")));
    assertTrue(Files.isRegularFile(dir.resolve("work.ext4")));
    assertEquals(snap.getStateBytes(), Files.size(dir.resolve("state/qemu-state.bin")));
    assertEquals(
        "rw-------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir.resolve("state/qemu-state.bin"))),
        "the guest's memory is its owner's alone");
    assertEquals(
        "rwx------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir.resolve("state"))));
    assertTrue(snap.getStateBytes() > 16 << 20, "the guest's memory is in it");
    clonesStartFromTheSnapshotEachWithItsOwnIdentity(ip);
    assertEquals(
        List.of("e2e-snap"),
        snaps
            .listSnapshots(dev.banger.api.vm.v1.ListSnapshotsRequest.getDefaultInstance())
            .getSnapshotsList()
            .stream()
            .map(dev.banger.api.vm.v1.Snapshot::getName)
            .toList());
    snaps.deleteSnapshot(
        dev.banger.api.vm.v1.DeleteSnapshotRequest.newBuilder().setSnapshot("e2e-snap").build());
    assertFalse(Files.exists(dir), "the saved state and the disk copies are gone");
  }

  /**
   * Three VMs started at once from the snapshot "e2e-snap" of e2e-one, which had written
   * /root/marker and runs a process: each sees the marker and the process, has its own hostname,
   * address and clock, answers at NAME.vm, and its writes are its own. Then all three go, and their
   * namespaces with them.
   */
  void clonesStartFromTheSnapshotEachWithItsOwnIdentity(String sourceIp) throws Exception {
    List<String> names = List.of("clone-a", "clone-b", "clone-c");
    List<java.util.concurrent.CompletableFuture<Vm>> started = new ArrayList<>();
    long t0 = System.nanoTime();
    for (String n : names) {
      started.add(
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                List<String> done = new ArrayList<>();
                Vm made = null;
                var events =
                    vms()
                        .createVm(
                            CreateVmRequest.newBuilder()
                                .setName(n)
                                .setSnapshot("e2e-snap")
                                .build());
                while (events.hasNext()) {
                  var e = events.next();
                  if (e.hasVm()) {
                    made = e.getVm();
                  } else if (e.getProgress().getMessage().contains(" done in ")) {
                    done.add(e.getProgress().getMessage());
                  }
                }
                System.out.printf("[VmLifecycleIT] %s from the snapshot: %s%n", n, done);
                return made;
              }));
    }
    List<Vm> clones = new ArrayList<>();
    for (var f : started) {
      clones.add(f.get(10, TimeUnit.MINUTES));
    }
    System.out.printf(
        "[VmLifecycleIT] 3 VMs from a snapshot, started at once: %d ms%n",
        (System.nanoTime() - t0) / 1_000_000);
    java.util.Set<String> addresses = new java.util.HashSet<>(List.of(sourceIp));
    String gateway = sourceIp.substring(0, sourceIp.lastIndexOf('.')) + ".1";
    for (Vm c : clones) {
      assertEquals(VmState.VM_STATE_RUNNING, c.getState(), c.toString());
      assertTrue(addresses.add(c.getIpAddress()), "an address of its own: " + c.getIpAddress());
      CommandResult r =
          stack.ssh(
              c.getIpAddress(),
              "cat /root/marker; hostname; cat /etc/hostname; date +%s;"
                  + " pgrep -f '[s]leep 86400' >/dev/null && echo process-running;"
                  + " echo "
                  + c.getName()
                  + " > /root/mine && sync");
      assertEquals(0, r.exitCode(), r.stderrText());
      List<String> lines = r.stdoutText().lines().toList();
      assertEquals("kept", lines.get(0), "the source's file: " + lines);
      assertEquals(c.getName(), lines.get(1), "its own hostname");
      assertEquals(c.getName(), lines.get(2));
      long skew = Math.abs(Long.parseLong(lines.get(3)) - System.currentTimeMillis() / 1000);
      assertTrue(skew < 30, "its clock set to the host's, off by " + skew + " s");
      assertEquals("process-running", lines.get(4), "the source's process runs on in it");
      CommandResult dns =
          stack.inNetns(
              Duration.ofSeconds(20), "dig", "+short", "@" + gateway, c.getName() + ".vm");
      assertEquals(c.getIpAddress(), dns.stdoutText().strip(), c.getName() + ".vm resolves");
    }
    for (Vm c : clones) {
      CommandResult r = stack.ssh(c.getIpAddress(), "cat /root/mine");
      assertEquals(c.getName() + "\n", r.stdoutText(), "its writes are its own");
    }
    assertEquals(1, stack.ssh(sourceIp, "test -e /root/mine").exitCode(), "not in the source");
    HostState withClones = host();
    assertEquals(4, withClones.qemus().size(), "the source and three clones");
    assertEquals(1, withClones.taps().size(), "the clones' taps are in their own namespaces");
    // A clone stops as any VM: its guest powers off when asked over SSH through its namespace.
    assertEquals(
        VmState.VM_STATE_STOPPED,
        vms().stopVm(StopVmRequest.newBuilder().setVm("clone-a").build()).getVm().getState());
    assertTrue(stack.log().contains("stopped VM clone-a (guest powered off)"), "powered off");
    for (String n : names) {
      vms().deleteVm(DeleteVmRequest.newBuilder().setVm(n).setForce(true).build());
    }
    // Each clone's namespace hangs on the bridge by a veth (tc-…): gone with the namespace.
    String links = stack.inNetns(Duration.ofSeconds(10), "ip", "-o", "link", "show").stdoutText();
    assertFalse(links.contains(": tc-"), "no clone network left: " + links);
  }

  /** Exit status of a 3-second TCP connect to the guest's SSH port (0: it answered). */
  int sshPort(String ip) throws Exception {
    return stack
        .inNetns(
            Duration.ofSeconds(20), "timeout", "3", "bash", "-c", "exec 3<>/dev/tcp/\"$0\"/22", ip)
        .exitCode();
  }

  @Test
  @Order(6)
  void deleteGivesEverythingBack() throws Exception {
    vms().deleteVm(DeleteVmRequest.newBuilder().setVm("e2e-one").build());
    assertThrows(StatusRuntimeException.class, () -> get("e2e-one"));
    assertEquals(EMPTY, host(), "no taps, leases, disks, QEMU or pinned host keys left");
  }

  static CommandResult banger(String... args) throws Exception {
    return booted.banger(args);
  }

  @Test
  @Order(7)
  void theCliRunsACommandInAFreshVmAndManagesADetachedOne() throws Exception {
    long t0 = System.nanoTime();
    CommandResult run =
        banger(
            "vm",
            "run",
            "--rm",
            "--name",
            "cli-once",
            "--",
            "sh",
            "-c",
            "echo hi from $(hostname); exit 7");
    System.out.printf(
        "[VmLifecycleIT] banger vm run --rm -- sh -c '...; exit 7': %d ms%n",
        (System.nanoTime() - t0) / 1_000_000);
    assertEquals(7, run.exitCode(), "the guest command's status is banger's: " + run.stderrText());
    assertEquals("hi from cli-once\n", run.stdoutText());
    assertTrue(
        run.stderrText().contains("ssh-ready"), "progress lines on stderr: " + run.stderrText());
    assertEquals(EMPTY, host(), "--rm deleted it");

    CommandResult detached = banger("vm", "run", "-d", "-q", "--name", "cli-bg");
    assertEquals(0, detached.exitCode(), detached.stderrText());
    assertEquals("cli-bg\n", detached.stdoutText());
    assertEquals("", detached.stderrText(), "-q: nothing on stderr");
    CommandResult ssh = banger("vm", "ssh", "cli-bg", "--", "cat", "/etc/hostname");
    assertEquals(0, ssh.exitCode(), ssh.stderrText());
    assertEquals("cli-bg\n", ssh.stdoutText());
    // Plain ssh NAME.vm through the ssh-config block: banger resolves the name (ProxyCommand
    // 'banger vm ssh-proxy'), its known_hosts pins the key, the host's resolver is not asked.
    Path sshConfig = state.resolve("ssh_config");
    CommandResult block = banger("ssh-config");
    assertEquals(0, block.exitCode(), block.stderrText());
    Files.writeString(sshConfig, block.stdoutText());
    CommandResult plain =
        stack.inNetns(
            Duration.ofSeconds(60),
            "ssh",
            "-F",
            sshConfig.toString(),
            "-o",
            "BatchMode=yes",
            "cli-bg.vm",
            "cat",
            "/etc/hostname");
    assertEquals(0, plain.exitCode(), block.stdoutText() + plain.stderrText());
    assertEquals("cli-bg\n", plain.stdoutText());
    var list =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(banger("vm", "list", "-o", "json").stdoutText());
    assertEquals(1, list.size());
    assertEquals("running", list.get(0).get("state").asText());
    assertTrue(banger("vm", "logs", "cli-bg").stdoutText().contains("Linux version"));
    CommandResult stop = banger("vm", "stop", "cli-bg");
    assertEquals("cli-bg stopped\n", stop.stdoutText(), stop.stderrText());
    CommandResult missing = banger("vm", "ssh", "nope", "--", "true");
    assertEquals(1, missing.exitCode());
    assertEquals("banger: vm \"nope\" not found — see 'banger vm list'\n", missing.stderrText());
    assertEquals(0, banger("vm", "delete", "cli-bg").exitCode());
    assertEquals(EMPTY, host());
  }

  /**
   * Ctrl-C while {@code vm run} boots its VM: the CLI says what it undid, exits 130, and the name
   * is free again with nothing left behind.
   */
  @Test
  @Order(8)
  void ctrlCDuringVmRunUndoesTheVmAndSaysSo() throws Exception {
    Path out = state.resolve("ctrlc-run.log");
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ip",
                "netns",
                "exec",
                NETNS,
                DistBangerd.DIST.resolve("bin/banger").toAbsolutePath().toString(),
                "--state-dir",
                state.toString(),
                "vm",
                "run",
                "--name",
                "ctrlc",
                "--",
                "true"));
    var cli = VmStack.RUN.start(Command.of(argv).build(), out);
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (!(Files.exists(out) && Files.readString(out).contains("ssh-ready"))) {
      assertTrue(
          cli.isAlive() && System.nanoTime() < deadline,
          "vm run reached ssh-ready: " + Files.readString(out));
      Thread.sleep(100);
    }
    VmStack.RUN.check(Command.of("kill", "-INT", Long.toString(cli.pid())).build());
    var exit = cli.waitFor(Duration.ofSeconds(90));
    assertEquals(130, exit.orElseThrow(), Files.readString(out));
    assertTrue(
        Files.readString(out)
            .contains(
                "banger: cancelled; vm \"ctrlc\" rolled back and deleted, nothing left behind"),
        Files.readString(out));
    assertThrows(StatusRuntimeException.class, () -> get("ctrlc"), "the name is free");
    awaitNoTaps();
    assertEquals(EMPTY, host());
  }

  /**
   * {@code vm create} on a real terminal (a tmux pane of 60 columns): the running stage's time
   * ticks while the guest boots, no line is wider than the pane, and Ctrl-C (a real ^C from the
   * pty) undoes the VM and says so.
   */
  @Test
  @Order(9)
  void onATerminalTheProgressTicksFitsThePaneAndCtrlCUndoesACreate() throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/tmux"))) {
      throw new org.opentest4j.TestAbortedException(
          "tmux is not installed (apt-get install tmux; .ci/run does): no real pty to test on");
    }
    String banger = DistBangerd.DIST.resolve("bin/banger").toAbsolutePath().toString();
    // The pane's shell must outlive the ^C to report the CLI's status: it traps SIGINT (a
    // trap, not an ignore, so the JVM still gets the signal's default and its hooks run).
    String shell =
        "trap : INT; ip netns exec "
            + NETNS
            + " "
            + banger
            + " --state-dir "
            + state
            + " vm create --name ctrlc-tty; echo EXIT=$?; sleep 600";
    List<String> tmux = List.of("tmux", "-L", "banger-it-" + ProcessHandle.current().pid());
    VmStack.RUN.check(
        Command.of(tmux)
            .args(List.of("new-session", "-d", "-s", "t", "-x", "60", "-y", "30", shell))
            .env("TERM", "xterm-256color")
            .build());
    try {
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      String pane = capture(tmux);
      while (!pane.contains("ssh-ready")) {
        assertTrue(System.nanoTime() < deadline, "reached ssh-ready: " + pane);
        Thread.sleep(200);
        pane = capture(tmux);
      }
      String first = lineWith(pane, "ssh-ready");
      Thread.sleep(1500);
      String later = lineWith(capture(tmux), "ssh-ready");
      assertNotEquals(first, later, "the ssh-ready stage's time ticks while the guest is quiet");
      assertTrue(later.matches(".*ssh-ready.*\\d+\\.\\d s$"), later);
      for (String line : capture(tmux).lines().toList()) {
        assertTrue(line.length() <= 60, "a line wider than the pane (joined): '" + line + "'");
      }
      VmStack.RUN.check(Command.of(tmux).args(List.of("send-keys", "-t", "t", "C-c")).build());
      deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (!(pane = capture(tmux)).contains("EXIT=")) {
        assertTrue(System.nanoTime() < deadline, "the CLI ended: " + pane);
        Thread.sleep(200);
      }
      assertTrue(pane.contains("EXIT=130"), pane);
      assertTrue(
          pane.replace("\n", "")
              .contains("banger: cancelled; vm \"ctrlc-tty\" rolled back and deleted, nothing"),
          pane);
    } finally {
      VmStack.RUN.run(Command.of(tmux).args(List.of("kill-server")).build());
    }
    assertThrows(StatusRuntimeException.class, () -> get("ctrlc-tty"), "the name is free");
    awaitNoTaps();
    assertEquals(EMPTY, host());
  }

  /** The pane's text, wrapped lines joined (-J), so a line wider than the pane shows as one. */
  private static String capture(List<String> tmux) throws Exception {
    return VmStack.RUN
        .check(Command.of(tmux).args(List.of("capture-pane", "-p", "-J", "-t", "t")).build())
        .stdoutText();
  }

  private static String lineWith(String pane, String word) {
    return pane.lines().filter(l -> l.contains(word)).reduce((a, b) -> b).orElse("");
  }

  /**
   * The services as production runs them, one process each (still in the test's namespace), and one
   * killed alone: vm-service killed with its VM's QEMU up leaves no QEMU once it is back;
   * disk-service killed in the middle of the overlay copy fails that step, and the undos wait for
   * disk-service's restart instead of failing, so the VM is rolled back completely.
   */
  @Test
  @Order(10)
  void servicesKilledOneAtATimeInTheirOwnProcessesLeaveNothingBehind() throws Exception {
    stack.stop();
    java.util.Map<ServiceName, VmStack> split = new java.util.EnumMap<>(ServiceName.class);
    try {
      for (ServiceName s :
          List.of(ServiceName.DISK, ServiceName.NET, ServiceName.IMAGE, ServiceName.VM)) {
        VmStack one = new VmStack(NETNS, state, BootedStack.CONFIG, s.id() + ".log");
        one.start(true, "--service", s.id());
        split.put(s, one);
      }
      VmServiceGrpc.VmServiceBlockingStub vm =
          VmServiceGrpc.newBlockingStub(split.get(ServiceName.VM).channel(ServiceName.VM))
              .withDeadlineAfter(10, TimeUnit.MINUTES);

      // vm-service alone, with the guest booting.
      Thread client = createUntil(vm, "split-vm", "ssh-ready");
      assertEquals(1, host().qemus().size(), "QEMU is up");
      split.get(ServiceName.VM).kill9();
      client.join(60_000);
      split.get(ServiceName.VM).start(true, "--service", "vm");
      vm =
          VmServiceGrpc.newBlockingStub(split.get(ServiceName.VM).channel(ServiceName.VM))
              .withDeadlineAfter(10, TimeUnit.MINUTES);
      assertEquals(List.of(), host().qemus(), "the restarted vm-service stopped the orphaned QEMU");
      assertEquals(
          VmState.VM_STATE_ERROR,
          vm.getVm(GetVmRequest.newBuilder().setVm("split-vm").build()).getVm().getState());
      vm.deleteVm(DeleteVmRequest.newBuilder().setVm("split-vm").setForce(true).build());
      awaitNoTaps();
      assertEquals(EMPTY, host(), "after vm-service alone was killed, and a delete");

      // disk-service alone, in the middle of the overlay copy; back two seconds later.
      VmStack disk = split.get(ServiceName.DISK);
      java.util.concurrent.atomic.AtomicReference<StatusRuntimeException> told =
          new java.util.concurrent.atomic.AtomicReference<>();
      VmServiceGrpc.VmServiceBlockingStub vmNow = vm;
      java.util.concurrent.CountDownLatch atOverlay = new java.util.concurrent.CountDownLatch(1);
      Thread creating =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      Iterator<CreateVmResponse> it =
                          vmNow.createVm(
                              CreateVmRequest.newBuilder().setName("split-disk").build());
                      while (it.hasNext()) {
                        if (it.next().getProgress().getStage().equals("rootfs-overlay")) {
                          atOverlay.countDown();
                        }
                      }
                    } catch (StatusRuntimeException e) {
                      told.set(e);
                    } finally {
                      atOverlay.countDown();
                    }
                  });
      assertTrue(atOverlay.await(5, TimeUnit.MINUTES));
      disk.kill9();
      Thread.sleep(2000);
      disk.start(true, "--service", "disk");
      creating.join(120_000);
      StatusRuntimeException e = told.get();
      assertTrue(e != null, "the create failed at its overlay step");
      // The kill lands in the overlay copy (or, on a fast disk, the next disk call): the step
      // fails, and its undos, which need disk-service too, wait for it to come back.
      assertTrue(
          e.getStatus()
              .getDescription()
              .matches(
                  "(?s).*step (rootfs-overlay|guest-config|work-disk) failed: .*\\(rolled back\\)"),
          e.getStatus().getDescription());
      assertEquals(
          List.of(),
          filesUnder(state.resolve("lib")).stream().filter(f -> f.contains(".partial")).toList());
      vm.deleteVm(DeleteVmRequest.newBuilder().setVm("split-disk").setForce(true).build());
      awaitNoTaps();
      assertEquals(EMPTY, host(), "after disk-service alone was killed, and a delete");

      // net-service alone, between the VM's lease and its tap; back two seconds later. The tap
      // step waits for it instead of failing; a cancel after that rolls everything back.
      VmStack net = split.get(ServiceName.NET);
      java.util.concurrent.atomic.AtomicReference<StatusRuntimeException> netTold =
          new java.util.concurrent.atomic.AtomicReference<>();
      java.util.concurrent.CountDownLatch atDisk = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.CountDownLatch tapped = new java.util.concurrent.CountDownLatch(1);
      io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
      Thread netCreate =
          Thread.ofPlatform()
              .start(
                  () ->
                      call.run(
                          () -> {
                            try {
                              Iterator<CreateVmResponse> it =
                                  vmNow.createVm(
                                      CreateVmRequest.newBuilder().setName("split-net").build());
                              while (it.hasNext()) {
                                String stage = it.next().getProgress().getStage();
                                if (stage.equals("rootfs-overlay")) {
                                  atDisk.countDown();
                                } else if (stage.equals("launch-vmm")) {
                                  tapped.countDown();
                                }
                              }
                            } catch (StatusRuntimeException failed) {
                              netTold.set(failed);
                            } finally {
                              atDisk.countDown();
                              tapped.countDown();
                            }
                          }));
      assertTrue(atDisk.await(5, TimeUnit.MINUTES));
      net.kill9();
      Thread.sleep(2000);
      net.start(true, "--service", "net");
      assertTrue(tapped.await(2, TimeUnit.MINUTES));
      assertEquals(null, netTold.get(), "the tap step waited for net-service's return");
      assertFalse(host().taps().isEmpty(), "the tap came from the restarted net-service");
      call.cancel(null);
      netCreate.join(120_000);
      assertEquals(io.grpc.Status.Code.CANCELLED, netTold.get().getStatus().getCode(), "cancelled");
      awaitGone(vm, "split-net");
      awaitNoTaps();
      assertEquals(EMPTY, host(), "after net-service alone was killed, and a cancel");
    } finally {
      for (VmStack one : split.values()) {
        one.stop();
      }
      stack.start(true, "--all");
    }
  }
}
