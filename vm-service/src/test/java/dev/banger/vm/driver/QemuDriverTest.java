package dev.banger.vm.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots Debian's kernel and initrd under real QEMU (TCG) on a rootfs whose init is static busybox:
 * the initrd must find the virtio-mmio disk through ACPI, mount it and run our init, which prints a
 * marker on the serial console. No network: nothing leaves the machine.
 */
class QemuDriverTest {

  static final Duration BOOT = Duration.ofSeconds(120);
  static Path kernel;
  static Path initrd;
  @TempDir static Path shared;
  static Path rootfs;
  @TempDir Path dir;
  RunningVm vm;

  @BeforeAll
  static void needs() throws Exception {
    assumeTrue(
        onPath("qemu-system-x86_64"),
        "SKIPPED: qemu-system-x86_64 missing (apt-get install qemu-system-x86;"
            + " .ci/run installs it)");
    Path busybox = Path.of("/bin/busybox");
    assumeTrue(
        Files.isExecutable(busybox)
            && new HostCommandRunner()
                .run(
                    Command.of("sh", "-c", "file -b /bin/busybox 2>/dev/null || ldd /bin/busybox")
                        .build())
                .stdoutText()
                .contains("static"),
        "SKIPPED: /bin/busybox is not static (apt-get install busybox-static; .ci/run installs it)");
    try (Stream<Path> s = Files.list(Path.of("/boot"))) {
      List<Path> kernels =
          s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).sorted().toList();
      assumeTrue(
          !kernels.isEmpty(), "SKIPPED: no /boot/vmlinuz-* (apt-get install linux-image-amd64)");
      kernel = kernels.getLast();
    }
    initrd =
        Path.of(
            "/boot/initrd.img-" + kernel.getFileName().toString().substring("vmlinuz-".length()));
    assumeTrue(Files.isReadable(initrd), "SKIPPED: no " + initrd);
    Path tree = Files.createDirectories(shared.resolve("tree"));
    for (String d : List.of("bin", "sbin", "proc", "dev")) {
      Files.createDirectories(tree.resolve(d));
    }
    Files.copy(busybox, tree.resolve("bin/busybox"));
    Files.writeString(
        tree.resolve("sbin/init"),
        """
        #!/bin/busybox sh
        /bin/busybox mount -t proc proc /proc
        echo "BANGER-INIT-OK $(/bin/busybox cat /proc/cmdline)"
        case "$(/bin/busybox cat /proc/cmdline)" in *probe=poweroff*) /bin/busybox poweroff -f ;; esac
        case "$(/bin/busybox cat /proc/cmdline)" in *probe=tick*)
          while :; do echo "tick $(/bin/busybox cat /proc/uptime)"; /bin/busybox sleep 1; done ;;
        esac
        while :; do /bin/busybox sleep 1000; done
        """);
    tree.resolve("sbin/init").toFile().setExecutable(true);
    rootfs = shared.resolve("rootfs.ext4");
    new HostCommandRunner()
        .check(
            Command.of("mkfs.ext4", "-q", "-F", "-d", tree.toString(), rootfs.toString(), "32M")
                .build());
  }

  static boolean onPath(String program) {
    return Stream.of(System.getenv("PATH").split(":"))
        .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
  }

  @AfterEach
  void noVmLeft() throws Exception {
    if (vm != null && vm.alive()) {
      vm.kill();
      vm.awaitExit(Duration.ofSeconds(10));
      throw new AssertionError("the test left a VM running");
    }
  }

  LaunchSpec spec(String id, String args, Path disk) {
    return spec(id, args, disk, dir.resolve("run"));
  }

  LaunchSpec spec(String id, String args, Path disk, Path runDir) {
    return LaunchSpec.builder()
        .vmId(id)
        .vcpus(1)
        .memoryMib(256)
        .kernel(kernel)
        .initrd(Optional.of(initrd))
        .bootArgs(args)
        .rootDisk(disk)
        .workDisk(Optional.empty())
        .tap(Optional.empty())
        .runDir(runDir)
        .build();
  }

  static String waitFor(Path log, String marker, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      String s =
          Files.exists(log)
              ? Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1)
              : "";
      if (s.contains(marker)) {
        return s;
      }
      Thread.sleep(200);
    }
    String s =
        Files.exists(log)
            ? Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1)
            : "";
    throw new AssertionError(
        "no '"
            + marker
            + "' on the console within "
            + timeout
            + "; tail:\n"
            + s.substring(Math.max(0, s.length() - 2000)));
  }

  @Test
  void bootsDebiansKernelToOurInitAndQuitsOverQmp() throws Exception {
    LaunchSpec s = spec("1f0e2d3c-0000-4000-8000-000000000001", "quiet", rootfs);
    long t0 = System.nanoTime();
    vm = new QemuDriver(new HostCommandRunner(), Accelerator.TCG).launch(s);
    String console = waitFor(s.consoleLog(), "BANGER-INIT-OK", BOOT);
    System.out.printf(
        "qemu microvm TCG: Debian kernel to init in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertTrue(console.contains("tsc_early_khz="), "the driver passes the host TSC rate");
    assertTrue(
        console.contains("root=/dev/vda rw quiet"), "root disk first, then the caller's args");
    assertTrue(vm.alive());
    assertEquals("running", vm.status());
    ((QemuVm) vm).quit();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)), "QMP quit ends QEMU");
    assertFalse(vm.alive());
  }

  /**
   * The guest ticks once a second on the console. Paused, it stops ticking; its state saved to a
   * file and loaded by a new QEMU, it ticks on there without booting again. A truncated state is
   * refused and leaves no QEMU.
   */
  @Test
  void pauseStopsTheGuestAndASavedStateRunsOnInANewQemu() throws Exception {
    QemuDriver driver = new QemuDriver(new HostCommandRunner(), Accelerator.TCG);
    LaunchSpec s = spec("1f0e2d3c-0000-4000-8000-000000000005", "probe=tick", rootfs);
    vm = driver.launch(s);
    waitFor(s.consoleLog(), "tick ", BOOT);
    vm.pause();
    assertEquals("paused", vm.status());
    Thread.sleep(500); // a tick already on its way out
    long ticks = ticks(s.consoleLog());
    Thread.sleep(2500);
    assertEquals(ticks, ticks(s.consoleLog()), "no tick while paused");

    long coldRss = rssBytes(vm.pid());
    Path saved = Files.createDirectories(dir.resolve("saved"));
    Path state = saved.resolve(QemuStateTransfer.FILE);
    long t0 = System.nanoTime();
    long size = vm.saveState(saved);
    System.out.printf(
        "qemu microvm TCG: 256 MiB guest state saved, %d bytes in %d ms%n",
        size, (System.nanoTime() - t0) / 1_000_000);
    assertEquals(size, Files.size(state));
    assertTrue(size > 1 << 20, "memory in the file: " + size);
    assertEquals(List.of(), leftSockets(s.runDir()), "the transfer's socket is gone");
    ((QemuVm) vm).quit();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));

    Path truncated = Files.createDirectories(dir.resolve("truncated"));
    try (var in = Files.newInputStream(state)) {
      Files.write(truncated.resolve(QemuStateTransfer.FILE), in.readNBytes((int) (size / 2)));
    }
    LaunchSpec bad =
        spec("1f0e2d3c-0000-4000-8000-000000000006", "probe=tick", rootfs, dir.resolve("run-bad"));
    DriverException none =
        assertThrows(
            DriverException.class,
            () -> driver.restore(bad, Files.createDirectories(dir.resolve("empty"))));
    assertTrue(none.getMessage().contains("does not exist"), none.getMessage());
    DriverException e = assertThrows(DriverException.class, () -> driver.restore(bad, truncated));
    assertTrue(e.getMessage().contains("truncated, damaged"), e.getMessage());
    String version = Files.readString(saved.resolve(QemuStateTransfer.VERSION_FILE)).strip();
    assertTrue(version.matches("[0-9]+\\.[0-9]+\\.[0-9]+.*"), "the saving QEMU's: " + version);
    Path foreign = Files.createDirectories(dir.resolve("foreign"));
    Files.copy(state, foreign.resolve(QemuStateTransfer.FILE));
    Files.writeString(foreign.resolve(QemuStateTransfer.VERSION_FILE), "6.2.0 (elsewhere)\n");
    DriverException other = assertThrows(DriverException.class, () -> driver.restore(bad, foreign));
    assertTrue(
        other.getMessage().contains("written by QEMU 6.2.0 (elsewhere)")
            && other.getMessage().contains("take a new snapshot"),
        other.getMessage());
    assertEquals(
        "",
        new HostCommandRunner()
            .run(Command.of("pgrep", "-f", "banger-1f0e2d3c-0000-4000-8000-000000000006").build())
            .stdoutText(),
        "no QEMU left of the refused restore");

    LaunchSpec again =
        spec(
            "1f0e2d3c-0000-4000-8000-000000000007", "probe=tick", rootfs, dir.resolve("run-again"));
    t0 = System.nanoTime();
    vm = driver.restore(again, saved);
    assertEquals("paused", vm.status(), "restored paused, for the caller to resume");
    vm.resume();
    System.out.printf(
        "qemu microvm TCG: restored and running in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals("running", vm.status());
    String console = waitFor(again.consoleLog(), "tick ", Duration.ofSeconds(30));
    System.out.printf(
        "qemu microvm TCG: QEMU RSS cold-booted %d MiB, restored %d MiB%n",
        coldRss >> 20, rssBytes(vm.pid()) >> 20);
    assertFalse(
        console.contains("BANGER-INIT-OK") || console.contains("Linux version"),
        "the restored guest did not boot again: " + console);
    ((QemuVm) vm).quit();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));
  }

  /** Resident set size of a process, from /proc/PID/status. */
  static long rssBytes(long pid) throws Exception {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
            .filter(l -> l.startsWith("VmRSS:"))
            .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
            .findFirst()
            .orElse(0)
        << 10;
  }

  static long ticks(Path console) throws Exception {
    return Files.readString(console, java.nio.charset.StandardCharsets.ISO_8859_1)
        .lines()
        .filter(l -> l.startsWith("tick "))
        .count();
  }

  static List<String> leftSockets(Path runDir) throws Exception {
    try (Stream<Path> s = Files.list(runDir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("state-")).toList();
    }
  }

  @Test
  void aGuestPoweroffEndsTheVmm() throws Exception {
    LaunchSpec s = spec("1f0e2d3c-0000-4000-8000-000000000002", "probe=poweroff", rootfs);
    vm = new QemuDriver(new HostCommandRunner(), Accelerator.TCG).launch(s);
    waitFor(s.consoleLog(), "BANGER-INIT-OK", BOOT);
    assertTrue(vm.awaitExit(Duration.ofSeconds(30)), "-no-reboot: the guest's poweroff ends QEMU");
  }

  @Test
  void refusedConfigurationsSayWhyAndLeaveNothingRunning() throws Exception {
    QemuDriver driver = new QemuDriver(new HostCommandRunner(), Accelerator.TCG);
    DriverException e =
        assertThrows(
            DriverException.class,
            () ->
                driver.launch(
                    spec("1f0e2d3c-0000-4000-8000-000000000003", "", dir.resolve("missing.ext4"))));
    assertTrue(
        e.getMessage().contains("root disk") && e.getMessage().contains("does not exist"),
        e.getMessage());

    // QEMU itself refuses: a "kernel" it cannot load. The disk's comma must reach QEMU escaped.
    Path garbage = Files.writeString(dir.resolve("not-a-kernel"), "hello");
    Path comma = Files.copy(rootfs, dir.resolve("a,b.ext4"));
    LaunchSpec s =
        LaunchSpec.builder()
            .vmId("1f0e2d3c-0000-4000-8000-000000000004")
            .vcpus(1)
            .memoryMib(256)
            .kernel(garbage)
            .initrd(Optional.of(initrd))
            .bootArgs("")
            .rootDisk(comma)
            .workDisk(Optional.empty())
            .tap(Optional.empty())
            .runDir(dir.resolve("run"))
            .build();
    e = assertThrows(DriverException.class, () -> driver.launch(s));
    assertTrue(
        e.getMessage().contains("QEMU refused to start VM 1f0e2d3c-0000-4000-8000-000000000004: "),
        e.getMessage());
    assertFalse(
        e.getMessage().contains("a,b"),
        "the disk was fine, QEMU named the kernel: " + e.getMessage());
    assertFalse(Files.exists(QemuArgs.pidFile(s)), "no QEMU daemonized");
    assertEquals(
        0,
        new HostCommandRunner()
            .run(Command.of("pgrep", "-f", "banger-1f0e2d3c-0000-4000-8000-000000000004").build())
            .stdoutText()
            .length(),
        "no QEMU process");
  }
}
