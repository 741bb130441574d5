package dev.banger.vm.driver.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.HostCommandRunner;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.driver.LaunchSpec;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.driver.VmmHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The driver's contract, end to end against {@link FirecrackerStubMain} started as the {@code
 * firecracker} binary (a JVM on the test's class path): launch through the real command runner and
 * setsid, the API calls in their exact order and bodies, status, Ctrl+Alt+Del, kill, adoption, and
 * every refusal turned into a DriverException with nothing left behind.
 */
class FirecrackerDriverTest extends DriverFixture {

  static String[] stat(long pid) throws IOException {
    String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
    return s.substring(s.lastIndexOf(')') + 2).split(" "); // state ppid pgrp session …
  }

  @Test
  void happyPathSendsTheCallsInOrderAndBoots() throws Exception {
    vm = driver().launch(spec(vmlinux, 2, rootfs, true));
    assertEquals(
        List.of(
            "GET / 200",
            "PUT /logger 204",
            "PUT /machine-config 204",
            "PUT /boot-source 204",
            "PUT /drives/rootfs 204",
            "PUT /drives/work 204",
            "PUT /network-interfaces/eth0 204",
            "PUT /actions 204"),
        recordedLines());
    Map<String, Object> expected =
        Map.of(
            "/logger",
                Map.of(
                    "log_path",
                    run.resolve("firecracker.log").toString(),
                    "level",
                    "Info",
                    "show_level",
                    true,
                    "show_log_origin",
                    false),
            "/machine-config", Map.of("vcpu_count", 2, "mem_size_mib", 256, "smt", false),
            "/boot-source",
                Map.of(
                    "kernel_image_path",
                    vmlinux.toString(),
                    "initrd_path",
                    initrd.toString(),
                    "boot_args",
                    "console=ttyS0 reboot=k panic=1 pci=off root=/dev/vda rw quiet banger.x=1"),
            "/drives/rootfs",
                Map.of(
                    "drive_id",
                    "rootfs",
                    "path_on_host",
                    rootfs.toString(),
                    "is_root_device",
                    true,
                    "is_read_only",
                    false),
            "/drives/work",
                Map.of(
                    "drive_id",
                    "work",
                    "path_on_host",
                    work.toString(),
                    "is_root_device",
                    false,
                    "is_read_only",
                    false),
            "/network-interfaces/eth0",
                Map.of(
                    "iface_id",
                    "eth0",
                    "host_dev_name",
                    "tb-3f1c2a9e",
                    "guest_mac",
                    "02:fc:00:00:00:07"),
            "/actions", Map.of("action_type", "InstanceStart"));
    for (Map.Entry<String, Object> e : expected.entrySet()) {
      assertEquals(FirecrackerApi.JSON.valueToTree(e.getValue()), body(e.getKey()), e.getKey());
    }
    assertEquals("Running", vm.status());
    ProcessHandle.Info info = ProcessHandle.of(vm.pid()).orElseThrow().info();
    assertTrue(
        vm.alive(),
        vm.handle() + " vs " + info.startInstant() + " " + info.arguments().map(Arrays::asList));
    VmmHandle h = vm.handle();
    assertEquals("firecracker", h.driver());
    assertEquals(run.resolve("firecracker.sock"), h.controlSocket());
    assertEquals(run, h.runDir());
    assertEquals(vm.pid(), h.pid());
    String[] st = stat(vm.pid());
    assertEquals(Long.toString(vm.pid()), st[3], "Firecracker leads a session of its own (setsid)");
    assertNotEquals(
        stat(ProcessHandle.current().pid())[2], st[2], "and is out of vm-service's process group");
    assertTrue(
        Arrays.asList(ProcessHandle.of(vm.pid()).orElseThrow().info().arguments().orElseThrow())
            .containsAll(
                List.of("--api-sock", h.controlSocket().toString(), "--id", "banger-3f1c2a9e")));
    assertTrue(
        awaitConsole(run.resolve("console.log"), "BANGER-STUB-BOOTED"),
        "the serial console goes to console.log");
    vm.kill();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));
  }

  static boolean awaitConsole(Path log, String marker) throws Exception {
    for (int i = 0; i < 100; i++) {
      if (Files.exists(log) && Files.readString(log).contains(marker)) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  @Test
  void theGuestKitIsTheReadOnlyRootDeviceAndTheOthersFollow() throws Exception {
    Path kit = Files.writeString(dir.resolve("kit.ext4"), "kit");
    LaunchSpec full = spec(vmlinux, 1, rootfs, true);
    LaunchSpec s =
        LaunchSpec.builder()
            .vmId(full.vmId())
            .vcpus(1)
            .memoryMib(256)
            .kernel(full.kernel())
            .initrd(full.initrd())
            .rootDisk(full.rootDisk())
            .workDisk(full.workDisk())
            .tap(full.tap())
            .runDir(full.runDir())
            .kitDisk(Optional.of(kit))
            .build();
    vm = driver().launch(s);
    List<String> lines = recordedLines();
    assertEquals(
        List.of("PUT /drives/kit 204", "PUT /drives/rootfs 204", "PUT /drives/work 204"),
        lines.stream().filter(l -> l.contains("/drives/")).toList());
    assertEquals(
        FirecrackerApi.JSON.valueToTree(
            Map.of(
                "drive_id",
                "kit",
                "path_on_host",
                kit.toString(),
                "is_root_device",
                true,
                "is_read_only",
                true)),
        body("/drives/kit"));
    assertEquals(false, body("/drives/rootfs").get("is_root_device").asBoolean());
    assertTrue(
        body("/boot-source")
            .get("boot_args")
            .asText()
            .startsWith(
                "console=ttyS0 reboot=k panic=1 pci=off root=/dev/vda ro fsck.mode=skip"
                    + " banger.root=/dev/vdb banger.work=/dev/vdc"),
        body("/boot-source").toString());
    assertEquals("Running", vm.status());
    vm.kill();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));
  }

  @Test
  void ctrlAltDelEndsFirecracker() throws Exception {
    vm = driver().launch(spec(vmlinux, 1, rootfs, false));
    vm.requestPowerdown();
    assertTrue(
        vm.awaitExit(Duration.ofSeconds(10)),
        "a reboot=k guest that got Ctrl+Alt+Del ends Firecracker");
    assertFalse(vm.alive());
    assertTrue(Files.readString(run.resolve("console.log")).contains("reboot: Restarting system"));
    assertEquals("PUT /actions 204", recordedLines().getLast());
    assertEquals("SendCtrlAltDel", body("/actions").get("action_type").asText());
  }

  @Test
  void killEndsItAndRemovesTheSocket() throws Exception {
    vm = driver().launch(spec(vmlinux, 1, rootfs, false));
    vm.kill();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));
    assertFalse(vm.alive());
    assertFalse(Files.exists(vm.handle().controlSocket()));
    assertThrows(DriverException.class, vm::status);
  }

  @Test
  void adoptTakesOnlyTheVeryProcessLaunched() throws Exception {
    FirecrackerDriver d = driver();
    vm = d.launch(spec(vmlinux, 1, rootfs, false));
    VmmHandle h = vm.handle();
    Optional<RunningVm> adopted = d.adopt(h);
    assertTrue(adopted.isPresent());
    assertEquals("Running", adopted.get().status());
    assertEquals(h, adopted.get().handle());
    VmmHandle reused =
        new VmmHandle(
            h.driver(), h.pid(), h.started().minusSeconds(5), h.controlSocket(), h.runDir());
    assertEquals(
        Optional.empty(), d.adopt(reused), "a live pid with another start time is another process");
    VmmHandle qemu = new VmmHandle("qemu", h.pid(), h.started(), h.controlSocket(), h.runDir());
    assertEquals(Optional.empty(), d.adopt(qemu));
    VmmHandle elsewhere =
        new VmmHandle(h.driver(), h.pid(), h.started(), h.controlSocket(), dir.resolve("other"));
    assertEquals(
        Optional.empty(), d.adopt(elsewhere), "a process not running this VM's run directory");
    vm.kill();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));
    assertEquals(Optional.empty(), d.adopt(h), "a dead process is not adopted");
  }

  @Test
  void theVmOutlivesTheServiceThatLaunchedItAndIsAdoptedByTheNext() throws Exception {
    List<String> launcher =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + dir.resolve("stub.args"),
                LaunchThenExitMain.class.getName(),
                run.toString(),
                vmlinux.toString(),
                rootfs.toString()));
    launcher.addAll(stub()); // the launcher's driver runs this as its firecracker
    dev.banger.kit.process.CommandResult r =
        new HostCommandRunner()
            .check(
                dev.banger.kit.process.Command.of(launcher)
                    .timeout(Duration.ofSeconds(60))
                    .build());
    List<String> lines = r.stdoutText().strip().lines().toList(); // logs may come first
    String[] out = lines.getLast().split(" ");
    long launcherPid = Long.parseLong(out[0]);
    long pid = Long.parseLong(out[1]);
    java.time.Instant started = java.time.Instant.parse(out[2]);
    assertTrue(ProcessHandle.of(launcherPid).isEmpty(), "the launching JVM is gone");
    VmmHandle h = new VmmHandle("firecracker", pid, started, run.resolve("firecracker.sock"), run);
    FirecrackerDriver d = driver();
    Optional<RunningVm> adopted = d.adopt(h);
    assertTrue(adopted.isPresent(), "the VM outlived its launcher");
    vm = adopted.get();
    assertNotEquals(
        launcherPid,
        ProcessHandle.of(pid).orElseThrow().parent().map(ProcessHandle::pid).orElse(-1L));
    assertEquals("Running", vm.status());
    vm.requestPowerdown();
    assertTrue(
        vm.awaitExit(Duration.ofSeconds(10)),
        "an adopted (non-child) Firecracker's exit is seen too");
    assertEquals(Optional.empty(), d.adopt(h));
  }

  @Test
  void bzImageIsRefusedAtInstanceStart() throws Exception {
    Path bz = FakeKernels.bzImage(dir.resolve("bzImage"));
    DriverException e = refused(driver(), spec(bz, 1, rootfs, true));
    assertTrue(e.getMessage().contains("InstanceStart"), e.getMessage());
    assertTrue(e.getMessage().contains("failed to load ELF kernel image"), e.getMessage());
    assertTrue(e.getMessage().contains("not an ELF vmlinux"), e.getMessage());
    assertEquals("PUT /actions 400", recordedLines().getLast());
  }

  @Test
  void missingDriveFileIsRefused() throws Exception {
    DriverException e = refused(driver(), spec(vmlinux, 1, dir.resolve("gone.ext4"), false));
    assertTrue(
        e.getMessage().contains("root drive")
            && e.getMessage().contains("No such file or directory"),
        e.getMessage());
    assertEquals("PUT /drives/rootfs 400", recordedLines().getLast());
  }

  @Test
  void tooManyVcpusAreRefusedByFirecracker() throws Exception {
    DriverException e = refused(driver(), spec(vmlinux, 33, rootfs, false));
    assertTrue(
        e.getMessage().contains("machine-config")
            && e.getMessage().contains("vCPU number is invalid"),
        e.getMessage());
  }

  @Test
  void machineConfigWithZeroVcpusIsRefused() throws Exception {
    LaunchSpec s = spec(vmlinux, 1, rootfs, false);
    List<FirecrackerSetup.ApiCall> plan = new ArrayList<>(FirecrackerSetup.plan(s, true));
    plan.replaceAll(
        c ->
            c.path().equals("/machine-config")
                ? new FirecrackerSetup.ApiCall(
                    c.step(), c.path(), c.body().deepCopy().put("vcpu_count", 0))
                : c);
    DriverException e = assertThrows(DriverException.class, () -> vm = driver().launch(s, plan));
    assertTrue(
        e.getMessage().contains("Firecracker refused machine-config of VM " + VM_ID),
        e.getMessage());
    assertTrue(e.getMessage().contains("vCPU number is invalid"), e.getMessage());
    assertEquals(List.of(), ours(dir));
    assertFalse(Files.exists(FirecrackerSetup.apiSocket(s)));
  }

  @Test
  void aSecondInstanceStartAndALateBootSourceAreRefusedAndTheVmRunsOn() throws Exception {
    vm = driver().launch(spec(vmlinux, 1, rootfs, false));
    FirecrackerApi api = new FirecrackerApi(vm.handle().controlSocket(), Duration.ofSeconds(5));
    DriverException twice =
        assertThrows(
            DriverException.class,
            () -> api.put("/actions", Map.of("action_type", "InstanceStart")));
    assertTrue(
        twice.getMessage().contains("400: " + FirecrackerApiStub.POST_BOOT), twice.getMessage());
    DriverException late =
        assertThrows(
            DriverException.class,
            () -> api.put("/boot-source", Map.of("kernel_image_path", vmlinux.toString())));
    assertTrue(
        late.getMessage().contains("PUT /boot-source with 400: " + FirecrackerApiStub.POST_BOOT),
        late.getMessage());
    assertEquals("Running", vm.status());
    vm.kill();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));
  }

  @Test
  void aFirecrackerThatNeverOpensItsSocketIsKilled() throws Exception {
    FirecrackerDriver d =
        new FirecrackerDriver(
            new HostCommandRunner(),
            stub("fcstub.mode=no-socket"),
            Duration.ofSeconds(3),
            Duration.ofSeconds(5));
    DriverException e = refused(d, spec(vmlinux, 1, rootfs, false));
    assertTrue(
        e.getMessage().contains("did not answer on " + run.resolve("firecracker.sock")),
        e.getMessage());
  }

  @Test
  void aFirecrackerThatExitsAtStartIsReportedWithItsLastWords() throws Exception {
    DriverException e = refused(driver("fcstub.mode=exit"), spec(vmlinux, 1, rootfs, false));
    assertTrue(
        e.getMessage().contains("exited with status 1 before opening its API socket"),
        e.getMessage());
    assertTrue(e.getMessage().contains("Simulated by fcstub.mode=exit"), e.getMessage());
  }

  @Test
  void aStaleSocketFromAnEarlierRunIsRemovedFirst() throws Exception {
    Files.createDirectories(run);
    Files.createFile(run.resolve("firecracker.sock"));
    vm = driver().launch(spec(vmlinux, 1, rootfs, false));
    assertEquals("Running", vm.status());
    vm.kill();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));
  }

  @Test
  void badBootArgumentsStartNothing() {
    LaunchSpec s =
        LaunchSpec.builder()
            .vmId(VM_ID)
            .vcpus(1)
            .memoryMib(256)
            .kernel(vmlinux)
            .initrd(Optional.empty())
            .bootArgs("init=/bin/sh\nevil")
            .rootDisk(rootfs)
            .workDisk(Optional.empty())
            .tap(Optional.empty())
            .runDir(run)
            .build();
    DriverException e = assertThrows(DriverException.class, () -> vm = driver().launch(s));
    assertTrue(e.getMessage().contains("printable ASCII"), e.getMessage());
    assertFalse(Files.exists(calls), "no process was started");
  }

  @Test
  void aMissingBinaryIsAClearError() {
    FirecrackerDriver d =
        new FirecrackerDriver(
            new HostCommandRunner(), List.of(dir.resolve("no-firecracker").toString()));
    DriverException e = refused(d, spec(vmlinux, 1, rootfs, false));
    assertTrue(e.getMessage().contains("VM " + VM_ID), e.getMessage());
  }
}
