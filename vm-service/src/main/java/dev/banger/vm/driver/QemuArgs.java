package dev.banger.vm.driver;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line for one VM: {@code -M microvm} with virtio-mmio devices, ACPI on (Debian's
 * kernel finds virtio-mmio only through ACPI), console on ttyS0 into a file, QMP on a Unix socket,
 * daemonized with a pid file so the VM outlives a vm-service restart. Each value goes in its own
 * argv element (no shell); paths inside QEMU's {@code key=value,…} options have their commas
 * doubled, QEMU's own escape, so a comma cannot add an option.
 */
final class QemuArgs {

  static final String BINARY = "qemu-system-x86_64";
  static final int MAX_BOOT_ARGS = 2048;

  private QemuArgs() {}

  /** Where the driver keeps a VM's control files, inside its run directory. */
  static Path qmpSocket(LaunchSpec s) {
    return s.runDir().resolve("qmp.sock");
  }

  static Path pidFile(LaunchSpec s) {
    return s.runDir().resolve("qemu.pid");
  }

  /**
   * @param tscKhz the host TSC rate: passed as {@code tsc_early_khz} so the guest skips early TSC
   *     calibration, which under TCG can hang forever on a busy host (docs/architecture.md §8); 0
   *     omits it
   */
  static List<String> build(LaunchSpec s, Accelerator accel, long tscKhz) {
    List<String> a =
        new ArrayList<>(
            List.of(
                BINARY,
                "-name",
                "banger-" + s.vmId() + ",debug-threads=on",
                "-M",
                "microvm,x-option-roms=off,rtc=on,acpi=on",
                "-accel",
                accel.qemuArg,
                "-smp",
                Integer.toString(s.vcpus()),
                "-m",
                s.memoryMib() + "M",
                "-nodefaults",
                "-no-user-config",
                "-display",
                "none",
                "-no-reboot",
                "-chardev",
                "file,id=console,path=" + opt(s.consoleLog()),
                "-serial",
                "chardev:console",
                "-chardev",
                "socket,id=qmp,path=" + opt(qmpSocket(s)) + ",server=on,wait=off",
                "-mon",
                "chardev=qmp,mode=control",
                "-kernel",
                s.kernel().toString()));
    if (accel == Accelerator.KVM) {
      a.addAll(List.of("-cpu", "host"));
    }
    s.initrd().ifPresent(i -> a.addAll(List.of("-initrd", i.toString())));
    a.addAll(List.of("-append", cmdline(s, tscKhz)));
    disk(a, "root", s.rootDisk());
    s.workDisk().ifPresent(w -> disk(a, "work", w));
    // Shared by every VM of the host, so never writable: QEMU opens it read-only and the guest
    // sees a read-only disk.
    s.kitDisk()
        .ifPresent(
            k ->
                a.addAll(
                    List.of(
                        "-drive",
                        "id=kit,file=" + opt(k) + ",format=raw,if=none,readonly=on",
                        "-device",
                        "virtio-blk-device,drive=kit")));
    s.tap()
        .ifPresent(
            n -> {
              a.addAll(
                  List.of(
                      "-netdev",
                      "tap,id=net0,ifname=" + n.tapName() + ",script=no,downscript=no",
                      "-device",
                      "virtio-net-device,netdev=net0,mac=" + n.mac()));
            });
    a.addAll(List.of("-pidfile", pidFile(s).toString(), "-daemonize"));
    return a;
  }

  /** Console and timing first, then root, then what vm-service asked for. */
  static String cmdline(LaunchSpec s, long tscKhz) {
    String extra = s.bootArgs().strip();
    if (extra.length() > MAX_BOOT_ARGS || extra.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
      throw new IllegalArgumentException(
          "boot arguments must be at most " + MAX_BOOT_ARGS + " printable ASCII characters");
    }
    // init_on_free: memory the guest frees is zeroed, and QEMU saves a zero page as a flag, so a
    // snapshot (after dropping the page cache) carries only what the guest still uses.
    StringBuilder b = new StringBuilder("console=ttyS0 reboot=t panic=-1 init_on_free=1");
    if (tscKhz > 0) {
      b.append(" tsc_early_khz=").append(tscKhz).append(" tsc=reliable");
    }
    b.append(' ').append(s.rootArgs());
    if (!extra.isEmpty()) {
      b.append(' ').append(extra);
    }
    return b.toString();
  }

  private static void disk(List<String> a, String id, Path file) {
    a.addAll(
        List.of(
            "-drive",
            "id=" + id + ",file=" + opt(file) + ",format=raw,if=none,discard=unmap",
            "-device",
            "virtio-blk-device,drive=" + id));
  }

  /** QEMU option values escape a comma by doubling it. */
  static String opt(Path p) {
    return p.toString().replace(",", ",,");
  }
}
