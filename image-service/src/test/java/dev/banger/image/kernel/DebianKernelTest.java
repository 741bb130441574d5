package dev.banger.image.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extracts the vmlinux from the Debian kernel installed on the build machine ({@code
 * /boot/vmlinuz-*}, xz-compressed) and checks it against what the kernel's own build records: the
 * entry point is {@code startup_64}'s physical address, the PVH note points at {@code
 * pvh_start_xen}.
 *
 * <p>Debian's {@code /boot/System.map-*} is an 83-byte placeholder (the real one is in the 858 MB
 * {@code -dbg} package), so the symbols are not read here. Checked once by hand against the real
 * map: {@code e_entry} 0x1000000 is {@code startup_64} minus {@code __START_KERNEL_map}, and the
 * PVH note's 0x1000850 is {@code pvh_start_xen} minus the same base. The tests check the same
 * relation through the bzImage header and the kernel config, which every install has.
 */
class DebianKernelTest {

  /**
   * {@code __START_KERNEL_map}: x86-64 links the kernel at this virtual base plus its physical
   * address.
   */
  static final long START_KERNEL_MAP = 0xffffffff80000000L;

  @TempDir static Path dir;

  static Path bzImage;
  static String release;
  static Path vmlinux;
  static ElfInfo info;

  @BeforeAll
  static void extractOnce() throws IOException {
    Optional<Path> found = findKernel();
    if (found.isEmpty()) {
      System.err.println(
          "DebianKernelTest SKIPPED: no /boot/vmlinuz-* on this machine (apt-get install linux-image-amd64)");
      return;
    }
    bzImage = found.get();
    release = bzImage.getFileName().toString().substring("vmlinuz-".length());
    vmlinux = dir.resolve("vmlinux");
    long start = System.nanoTime();
    info = VmlinuxExtractor.extract(bzImage, vmlinux);
    System.out.printf(
        "extracted %s (%d bytes) -> %d-byte vmlinux in %d ms%n",
        bzImage, Files.size(bzImage), Files.size(vmlinux), (System.nanoTime() - start) / 1_000_000);
  }

  private static Optional<Path> findKernel() throws IOException {
    Path boot = Path.of("/boot");
    if (!Files.isDirectory(boot)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(boot)) {
      return files
          .filter(p -> p.getFileName().toString().startsWith("vmlinuz-") && Files.isRegularFile(p))
          .sorted()
          .reduce((a, b) -> b); // the newest version sorts last often enough; any one will do
    }
  }

  private static void assumeKernel() {
    assumeTrue(
        bzImage != null, "no /boot/vmlinuz-* on this machine: apt-get install linux-image-amd64");
  }

  @Test
  void inspectReadsTheBootHeaderAndRelease() throws IOException {
    assumeKernel();
    BzImageHeader h =
        assertInstanceOf(KernelFile.BzImage.class, KernelFile.inspect(bzImage)).header();
    assertEquals(release, h.kernelRelease().orElseThrow(), h.kernelVersion().toString());
    assertTrue(h.protocolVersion() >= 0x0208, h.protocolVersionString());
    assertEquals(Compression.XZ, detect(h));
  }

  @Test
  void extractsAnElf64X8664WithAPvhEntry() {
    assumeKernel();
    assertEquals(64, info.elfClass());
    assertEquals(0x3e, info.machine());
    assertEquals(2, info.type());
    assertTrue(info.hasPvhEntry(), "Debian builds CONFIG_PVH=y");
    assertTrue(info.programHeaderCount() >= info.loadSegments().size());
  }

  /**
   * Symbol-free check of the same relation: entry = pref_address = CONFIG_PHYSICAL_START = first
   * PT_LOAD's paddr.
   */
  @Test
  void entryIsThePhysicalLoadAddress() throws IOException {
    assumeKernel();
    BzImageHeader h = BzImageHeader.read(bzImage);
    assertEquals(h.preferredAddress().orElseThrow(), info.entry());
    ElfInfo.LoadSegment text = info.loadSegments().getFirst();
    assertEquals(info.entry(), text.physicalAddress());
    assertEquals(START_KERNEL_MAP, text.virtualAddress() - text.physicalAddress());
    Path config = bzImage.resolveSibling("config-" + release);
    if (Files.isRegularFile(config)) {
      String start =
          Files.readAllLines(config).stream()
              .filter(l -> l.startsWith("CONFIG_PHYSICAL_START="))
              .findFirst()
              .orElseThrow()
              .substring("CONFIG_PHYSICAL_START=".length());
      assertEquals(Long.decode(start), info.entry());
    }
  }

  @Test
  void aSecondExtractionIsByteIdentical() throws IOException {
    assumeKernel();
    Path again = dir.resolve("vmlinux-again");
    assertEquals(info, VmlinuxExtractor.extract(bzImage, again));
    assertEquals(-1, Files.mismatch(vmlinux, again));
    assertEquals(info, ElfInfo.read(vmlinux));
    assertInstanceOf(KernelFile.Elf.class, KernelFile.inspect(vmlinux));
  }

  private static Compression detect(BzImageHeader h) throws IOException {
    try (BoundedReader r = BoundedReader.open(bzImage, bzImage, Long.MAX_VALUE)) {
      return Compression.detect(r.bytes(h.payloadOffset(), Compression.MAX_MAGIC, "magic"))
          .orElseThrow();
    }
  }
}
