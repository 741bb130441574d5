package dev.banger.vm.app.start;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.state.StateLayout;
import dev.banger.vm.fakes.FakeDisk;
import dev.banger.vm.fakes.FakeDriver;
import dev.banger.vm.fakes.FakeGuest;
import dev.banger.vm.fakes.FakeHost;
import dev.banger.vm.fakes.FakeNet;
import dev.banger.vm.ports.BootImage;
import dev.banger.vm.runtime.HandlesFile;
import dev.banger.vm.runtime.VmPaths;
import dev.banger.vm.steps.StepFailedException;
import dev.banger.vm.steps.StepRunner;
import dev.banger.vm.store.VmRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every start step's failure and every undo, on fake ports (no root, no QEMU): a first start that
 * fails or is cancelled anywhere leaves the host as it was; a later start keeps what the VM owns
 * (lease, disks) and gives back what the boot took (tap, VMM); an undo that fails is named and does
 * not stop the others.
 */
class StartPlanTest {

  static final String ID = "3f0c2a1e-0000-4000-8000-000000000001";
  static final String NOTHING = "leases=[] overlays=[] workDisks=[] taps=[] vmms=[]";

  @TempDir Path dir;
  FakeHost host;
  VmPaths paths;
  StartPlan plan;
  FakeDriver driver;

  @BeforeEach
  void setUp() throws Exception {
    host = new FakeHost();
    paths = new VmPaths(StateLayout.under(dir.resolve("state")));
    Files.createDirectories(dir.resolve("disks"));
    plan =
        StartPlan.standard(
            new FakeNet(host),
            new FakeDisk(host, dir.resolve("disks")),
            new FakeGuest(host),
            driver = new FakeDriver(host),
            paths,
            Duration.ofSeconds(30),
            BootWatch.Settings.DEFAULT,
            List.of());
  }

  static VmRecord vm(String lastWorkspace) {
    return VmRecord.builder()
        .id(ID)
        .name("box")
        .image("img")
        .kernel("k")
        .vcpu(1)
        .memoryMib(512)
        .workDiskBytes(1 << 30)
        .systemOverlayBytes(1 << 30)
        .driver("qemu")
        .lastWorkspace(lastWorkspace)
        .build();
  }

  static BootImage image() {
    return new BootImage(
        "img",
        "debian",
        "/images/rootfs.ext4",
        1 << 29,
        "/images/seed.ext4",
        "k",
        "linux",
        Path.of("/boot/vmlinux"),
        Optional.empty());
  }

  static final StepRunner.Listener QUIET =
      new StepRunner.Listener() {
        @Override
        public void started(int index, int count, String step) {}

        @Override
        public void finished(int index, int count, String step, long millis) {}
      };

  @Test
  void aStartRunsEveryStepInOrderAndTheVmHoldsWhatItMade() throws Exception {
    StartState s = new StartState(vm(null), image(), true);
    List<StepRunner.Timing> t = plan.run(s, QUIET, () -> false);
    assertEquals(List.of(StartPlan.STAGES), t.stream().map(StepRunner.Timing::step).toList());
    assertEquals(List.of(plan.stages()), List.of(StartPlan.STAGES));
    assertEquals(
        "leases=["
            + ID
            + "] overlays=["
            + ID
            + "] workDisks=["
            + ID
            + "] taps=["
            + ID
            + "] vmms=[1001]",
        host.held());
    assertEquals(s.handles(), HandlesFile.read(paths.vmDir(ID)).orElseThrow(), "handles recorded");
    assertEquals("172.16.0.9", s.handles().ip());
    assertTrue(
        s.launch().runDir().startsWith(paths.runRoot()), "the VMM's run dir names this state dir");
  }

  @ParameterizedTest(name = "{0} fails: rolled back at {1}")
  @CsvSource({
    "ensureBridge, ip-lease",
    "leaseIp, ip-lease",
    "enableNat, ip-lease",
    "createOverlay, rootfs-overlay",
    "writeOverlayConfig, guest-config",
    "createWorkDisk, work-disk",
    "writeWorkDiskConfig, work-disk",
    "acquireTap, tap",
    "launch, launch-vmm",
    "awaitReady, ssh-ready"
  })
  void aFirstStartThatFailsAnywhereLeavesTheHostAsItWas(String call, String step) {
    host.failOn(call);
    VmRecord nat = vm(null).toBuilder().nat(true).build();
    StepFailedException e =
        assertThrows(
            StepFailedException.class,
            () -> plan.run(new StartState(nat, image(), true), QUIET, host.cancelled()));
    assertEquals(step, e.step());
    assertEquals("injected failure of " + call, e.getCause().getMessage());
    assertEquals(List.of(), e.failedUndos());
    assertFalse(e.cancelled());
    assertTrue(e.getMessage().endsWith("(rolled back)"), e.getMessage());
    assertEquals(NOTHING, host.held());
    assertFalse(Files.exists(paths.vmDir(ID).resolve(HandlesFile.NAME)), "no handles file");
  }

  @ParameterizedTest(name = "cancelled during {0}: rolled back")
  @CsvSource({
    "leaseIp",
    "createOverlay",
    "writeOverlayConfig",
    "createWorkDisk",
    "acquireTap",
    "launch",
    "awaitReady"
  })
  void aFirstStartCancelledAnywhereLeavesTheHostAsItWas(String call) {
    host.cancelOn(call);
    StepFailedException e =
        assertThrows(
            StepFailedException.class,
            () -> plan.run(new StartState(vm(null), image(), true), QUIET, host.cancelled()));
    assertTrue(e.cancelled(), e.getMessage());
    assertEquals(NOTHING, host.held());
  }

  @Test
  void aVmmThatALaunchStartedButNeverHandedBackIsStoppedBeforeTheDisksGo() throws Exception {
    driver.orphanThenFail = true;
    StepFailedException e =
        assertThrows(
            StepFailedException.class,
            () -> plan.run(new StartState(vm(null), image(), true), QUIET, host.cancelled()));
    assertEquals("launch-vmm", e.step());
    assertEquals(List.of(), e.failedUndos());
    assertEquals(1, driver.orphans.size());
    Process orphan = driver.orphans.get(0).process;
    assertTrue(orphan.waitFor(5, java.util.concurrent.TimeUnit.SECONDS), "the orphan was stopped");
    assertEquals(NOTHING, host.held());
  }

  @Test
  void aLaterStartThatFailsKeepsTheVmsLeaseAndDisksAndGivesBackTheBoot() {
    host.leases.add(ID); // the VM ran before: it owns its lease and disks
    host.overlays.add(ID);
    host.workDisks.add(ID);
    host.failOn("awaitReady");
    assertThrows(
        StepFailedException.class,
        () -> plan.run(new StartState(vm(null), image(), false), QUIET, host.cancelled()));
    assertEquals(
        "leases=[" + ID + "] overlays=[" + ID + "] workDisks=[" + ID + "] taps=[] vmms=[]",
        host.held());
  }

  @Test
  void aFirstStartKeepsAWorkDiskThatHoldsAnOfflineWorkspace() {
    host.failOn("awaitReady");
    assertThrows(
        StepFailedException.class,
        () ->
            plan.run(
                new StartState(vm("{\"path\":\"/root/repo\"}"), image(), true),
                QUIET,
                host.cancelled()));
    assertEquals("leases=[] overlays=[] workDisks=[" + ID + "] taps=[] vmms=[]", host.held());
  }

  @Test
  void anUndoThatFailsIsNamedAndTheOthersStillRun() {
    host.failOn("awaitReady").failOn("releaseTap");
    StepFailedException e =
        assertThrows(
            StepFailedException.class,
            () -> plan.run(new StartState(vm(null), image(), true), QUIET, host.cancelled()));
    assertEquals(1, e.failedUndos().size(), e.failedUndos().toString());
    assertTrue(
        e.failedUndos().getFirst().startsWith("tap tb-3f0c2a1e: injected failure"),
        e.failedUndos().toString());
    assertEquals(
        "leases=[] overlays=[] workDisks=[] taps=[" + ID + "] vmms=[]",
        host.held(),
        "only the tap is left, and the error says so");
    assertTrue(e.getMessage().contains("rolled back, except tap"), e.getMessage());
  }

  @Test
  void undosRunInReverseOrder() {
    host.failOn("awaitReady");
    assertThrows(
        StepFailedException.class,
        () -> plan.run(new StartState(vm(null), image(), true), QUIET, host.cancelled()));
    List<String> undos =
        host.calls.subList(host.calls.indexOf("awaitReady") + 1, host.calls.size());
    assertEquals(
        List.of("kill", "releaseTap", "removeWorkDisk", "removeOverlay", "releaseIp"), undos);
  }

  @Test
  void readingAPieceBeforeItsStepRanIsABugNamed() {
    StartState s = new StartState(vm(null), image(), true);
    IllegalStateException e = assertThrows(IllegalStateException.class, s::tap);
    assertTrue(e.getMessage().contains("the tap is not made yet"), e.getMessage());
  }
}
