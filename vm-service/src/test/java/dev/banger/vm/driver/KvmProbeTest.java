package dev.banger.vm.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.kit.process.HostCommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KVM probe on this host's real QEMU and Debian kernel. Where KVM boots the kernel the verdict
 * is KVM; where it hangs (our machines, docs/architecture.md §8) the bound ends it and the verdict
 * is TCG. Either way it says why, and the second ask is answered from the cache at once.
 */
class KvmProbeTest {

  @TempDir Path dir;

  @Test
  void noKvmDeviceMeansTcgWithoutBootingAnything() throws Exception {
    KvmProbe p =
        new KvmProbe(
            new HostCommandRunner(), dir.resolve("cache.json"), dir, dir.resolve("no-kvm"));
    KvmProbe.Verdict v = p.verdict(Files.writeString(dir.resolve("k"), "x"));
    assertEquals(Accelerator.TCG, v.accel());
    assertTrue(v.reason().contains("does not exist"), v.reason());
    assertTrue(Files.notExists(dir.resolve("cache.json")), "nothing probed, nothing cached");
  }

  @Test
  void probesTheRealKernelOnceWithinItsBound() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/kvm")), "SKIPPED LOUDLY: no /dev/kvm on this host");
    assumeTrue(
        Stream.of(System.getenv("PATH").split(":"))
            .anyMatch(d -> Files.isExecutable(Path.of(d, QemuArgs.BINARY))),
        "SKIPPED LOUDLY: qemu-system-x86_64 missing (.ci/run installs qemu-system-x86)");
    List<Path> kernels;
    try (Stream<Path> s = Files.list(Path.of("/boot"))) {
      kernels = s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-")).sorted().toList();
    }
    assumeTrue(
        !kernels.isEmpty(),
        "SKIPPED LOUDLY: no /boot/vmlinuz-* (apt-get install linux-image-amd64)");
    KvmProbe p = new KvmProbe(new HostCommandRunner(), dir.resolve("cache.json"), dir);
    long t0 = System.nanoTime();
    KvmProbe.Verdict v = p.verdict(kernels.getLast());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("KVM probe: %s in %d ms: %s%n", v.accel(), ms, v.reason());
    assertTrue(ms < KvmProbe.BOUND.toMillis() + 10_000, "bounded: " + ms + " ms");
    assertTrue(v.reason().contains(kernels.getLast().getFileName().toString()), v.reason());
    long t1 = System.nanoTime();
    KvmProbe.Verdict again = p.verdict(kernels.getLast());
    assertEquals(v.accel(), again.accel());
    assertTrue(again.reason().endsWith("(cached)"), again.reason());
    assertTrue((System.nanoTime() - t1) / 1_000_000 < 1000, "the cache answers at once");
    assertEquals(
        List.of(),
        new HostCommandRunner()
            .run(dev.banger.kit.process.Command.of("pgrep", "-f", "banger-probe-none").build())
            .stdoutText()
            .lines()
            .toList(),
        "no probe QEMU left running");
  }
}
