package dev.banger.kit.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM's default size: [vm_defaults], then [vm], then the host heuristic, each raised to the floor.
 */
class VmSizingTest {

  static final VmSizing.Host BIG = new VmSizing.Host(16, 64L << 30);
  static final VmSizing.Host TINY = new VmSizing.Host(1, 512L << 20);

  @Test
  void theHeuristicFillsWhatNoConfigSays() {
    VmSizing.Resolved r = VmSizing.resolve(null, null, BIG);
    assertEquals(new VmSizing.Value(2, "host: 16 CPUs, at most 2"), r.vcpu());
    assertEquals(
        new VmSizing.Value(1024, "host: a quarter of 65536 MiB, at most 1024"), r.memoryMib());
    assertEquals(8L << 30, r.workDiskBytes().value());
    VmSizing.Resolved tiny = VmSizing.resolve(null, null, TINY);
    assertEquals(1, tiny.vcpu().value());
    assertEquals(
        new VmSizing.Value(
            256, "host: a quarter of 512 MiB, at most 1024, raised to the floor 256"),
        tiny.memoryMib());
  }

  @Test
  void vmDefaultsWinOverVmAndVmOverTheHost() throws Exception {
    BangerConfig c =
        ConfigLoader.parse(
            """
        [vm]
        vcpu = 3
        memory_mib = 2048
        [vm_defaults]
        memory_mib = 4096
        disk_size = "20G"
        """,
            "test");
    VmSizing.Resolved r = c.vmSizing(BIG);
    assertEquals(new VmSizing.Value(3, "[vm]"), r.vcpu());
    assertEquals(new VmSizing.Value(4096, "[vm_defaults]"), r.memoryMib());
    assertEquals(new VmSizing.Value(20L << 30, "[vm_defaults]"), r.workDiskBytes());
  }

  @Test
  void badVmDefaultsAreRefusedNamingTheKey() {
    for (String[] bad :
        new String[][] {
          {"[vm_defaults]\nvcpu = 0", "vm_defaults.vcpu must be 1..64"},
          {"[vm_defaults]\nmemory_mib = 64", "vm_defaults.memory_mib must be 256"},
          {"[vm_defaults]\ndisk_size = \"lots\"", "vm_defaults.disk_size must be a size like"},
          {"[vm_defaults]\ndisk_size = \"100M\"", "vm_defaults.disk_size must be 1G..16T"},
          {"[vm_defaults]\ncpus = 2", "unknown key \"vm_defaults.cpus\""}
        }) {
      ConfigException e =
          assertThrows(ConfigException.class, () -> ConfigLoader.parse(bad[0], "test"), bad[0]);
      assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
    }
  }

  @Test
  void memTotalIsReadFromMeminfo(@TempDir Path dir) throws Exception {
    Path f =
        Files.writeString(dir.resolve("meminfo"), "MemTotal:       24573112 kB\nMemFree: 1 kB\n");
    assertEquals(24573112L * 1024, VmSizing.Host.memTotal(f));
    assertEquals(0, VmSizing.Host.memTotal(dir.resolve("none")));
  }
}
