package dev.banger.vm.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QemuArgsTest {

  static LaunchSpec spec(String bootArgs, Path root) {
    return LaunchSpec.builder()
        .vmId("0b5e1f2a-1111-4222-8333-444455556666")
        .vcpus(2)
        .memoryMib(512)
        .kernel(Path.of("/k/vmlinux"))
        .initrd(Optional.empty())
        .bootArgs(bootArgs)
        .rootDisk(root)
        .workDisk(Optional.of(Path.of("/v/work.ext4")))
        .tap(Optional.of(new LaunchSpec.Nic("tb-0b5e1f2a", "02:ab:cd:ef:01:02")))
        .runDir(Path.of("/run/vm"))
        .build();
  }

  @Test
  void oneArgvElementPerValueCommasDoubledInsideOptions() {
    List<String> a =
        QemuArgs.build(
            spec("ip=dhcp", Path.of("/v/a,file=/etc/shadow.ext4")), Accelerator.TCG, 2299998);
    int i = a.indexOf("-drive");
    assertEquals(
        "id=root,file=/v/a,,file=/etc/shadow.ext4,format=raw,if=none,discard=unmap",
        a.get(i + 1),
        "a comma in a path cannot add an option");
    assertEquals(
        "console=ttyS0 reboot=t panic=-1 init_on_free=1 tsc_early_khz=2299998 tsc=reliable root=/dev/vda rw ip=dhcp",
        a.get(a.indexOf("-append") + 1));
    assertEquals("tcg,thread=multi", a.get(a.indexOf("-accel") + 1));
    assertTrue(a.contains("virtio-net-device,netdev=net0,mac=02:ab:cd:ef:01:02"));
    assertEquals("-daemonize", a.getLast());
    assertEquals(List.of("-pidfile", "/run/vm/qemu.pid"), a.subList(a.size() - 3, a.size() - 1));
  }

  @Test
  void theGuestKitIsAReadOnlyThirdDiskAndTheKernelsRoot() {
    LaunchSpec base = spec("", Path.of("/v/root.ext4"));
    LaunchSpec s =
        LaunchSpec.builder()
            .vmId(base.vmId())
            .vcpus(1)
            .memoryMib(256)
            .kernel(base.kernel())
            .rootDisk(base.rootDisk())
            .workDisk(base.workDisk())
            .tap(base.tap())
            .runDir(base.runDir())
            .kitDisk(Optional.of(Path.of("/img/kit/1-x,y/kit.ext4")))
            .build();
    List<String> a = QemuArgs.build(s, Accelerator.TCG, 0);
    List<String> drives = new java.util.ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i).equals("-drive")) {
        drives.add(a.get(i + 1));
      }
    }
    assertEquals(
        List.of(
            "id=root,file=/v/root.ext4,format=raw,if=none,discard=unmap",
            "id=work,file=/v/work.ext4,format=raw,if=none,discard=unmap",
            "id=kit,file=/img/kit/1-x,,y/kit.ext4,format=raw,if=none,readonly=on"),
        drives,
        "root, work, kit: vda, vdb, vdc");
    assertTrue(
        QemuArgs.cmdline(s, 0)
            .endsWith(" root=/dev/vdc ro fsck.mode=skip banger.root=/dev/vda banger.work=/dev/vdb"),
        QemuArgs.cmdline(s, 0));
    assertEquals(
        "root=/dev/vda ro fsck.mode=skip banger.root=/dev/vdb banger.work=/dev/vdc",
        s.kitFirstRootArgs());
  }

  @Test
  void bootArgsMustBePrintableAndBounded() {
    assertThrows(
        IllegalArgumentException.class,
        () -> QemuArgs.build(spec("a\nb", Path.of("/r")), Accelerator.TCG, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> QemuArgs.build(spec("x".repeat(3000), Path.of("/r")), Accelerator.TCG, 0));
    assertTrue(
        QemuArgs.cmdline(spec("", Path.of("/r")), 0).endsWith("root=/dev/vda rw"),
        "no TSC arg when unknown");
  }

  @Test
  void hostileNicValuesAreRefusedBeforeAnyCommandLine() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new LaunchSpec.Nic("tb-x,script=/bin/sh", "02:00:00:00:00:01"));
    assertThrows(
        IllegalArgumentException.class, () -> new LaunchSpec.Nic("tb-x", "02:00:00:00:00:01,id=x"));
    assertThrows(
        IllegalArgumentException.class,
        () -> new LaunchSpec.Nic("a-very-long-tap-name", "02:00:00:00:00:01"));
  }

  @Test
  void cpuMhzBecomesKhz() {
    assertEquals(2299998, HostTsc.fromCpuinfo("model name\t: Xeon\ncpu MHz\t\t: 2299.998\n"));
    assertEquals(0, HostTsc.fromCpuinfo("nothing here"));
  }
}
