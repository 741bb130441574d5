package dev.banger.kit.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The size a VM gets when its create leaves vcpu, memory or disk at zero, and where each value came
 * from: {@code [vm_defaults]}, then {@code [vm]}, then the host heuristic, each raised to the
 * floor. One resolution for vm-service (which applies it) and {@code banger doctor} (which shows
 * it).
 *
 * <p>The heuristic: 2 vCPUs, or fewer when the host has fewer CPUs; a quarter of its memory, at
 * most 1 GiB; an 8 GiB work disk (sparse: it costs what the guest writes).
 */
public final class VmSizing {

  public static final int FLOOR_VCPU = 1;
  public static final int FLOOR_MEMORY_MIB = 256;
  public static final long FLOOR_DISK_BYTES = 1L << 30;

  /**
   * A value and where it came from ("[vm_defaults]", "[vm]", "host: …", with "raised to the
   * floor").
   */
  public record Value(long value, String source) {}

  public record Resolved(Value vcpu, Value memoryMib, Value workDiskBytes) {}

  /** What the heuristic looks at. */
  public record Host(int cpus, long memoryBytes) {

    public static Host probe() {
      return new Host(
          Runtime.getRuntime().availableProcessors(), memTotal(Path.of("/proc/meminfo")));
    }

    static long memTotal(Path meminfo) {
      try {
        for (String line : Files.readAllLines(meminfo)) {
          if (line.startsWith("MemTotal:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | NumberFormatException e) {
        // unknown: the heuristic then takes its cap
      }
      return 0;
    }
  }

  private VmSizing() {}

  public static Resolved resolve(VmDefaults d, VmConfig vm, Host host) {
    VmDefaults defaults = d == null ? new VmDefaults(null, null, null) : d;
    long cpus = Math.max(1, Math.min(2, host.cpus()));
    long mem = host.memoryBytes() <= 0 ? 1024 : Math.min(1024, host.memoryBytes() / 4 >> 20);
    Value vcpu =
        pick(
            defaults.vcpu() == null ? null : defaults.vcpu().longValue(),
            vm == null || vm.vcpu() == null ? null : vm.vcpu().longValue(),
            cpus,
            "host: " + host.cpus() + " CPUs, at most 2",
            FLOOR_VCPU);
    Value memory =
        pick(
            defaults.memoryMib() == null ? null : defaults.memoryMib().longValue(),
            vm == null || vm.memoryMib() == null ? null : vm.memoryMib().longValue(),
            mem,
            "host: a quarter of " + (host.memoryBytes() >> 20) + " MiB, at most 1024",
            FLOOR_MEMORY_MIB);
    Value disk =
        pick(
            defaults.diskBytes(),
            vm == null ? null : vm.workDiskBytes(),
            8L << 30,
            "default: 8 GiB, sparse",
            FLOOR_DISK_BYTES);
    return new Resolved(vcpu, memory, disk);
  }

  private static Value pick(
      Long fromDefaults, Long fromVm, long heuristic, String why, long floor) {
    Value v =
        fromDefaults != null
            ? new Value(fromDefaults, "[vm_defaults]")
            : fromVm != null ? new Value(fromVm, "[vm]") : new Value(heuristic, why);
    return v.value() >= floor ? v : new Value(floor, v.source() + ", raised to the floor " + floor);
  }
}
