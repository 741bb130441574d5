package dev.banger.image.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extracts the vmlinux from the Debian kernel installed on the build machine
 * ({@code /boot/vmlinuz-*}, xz-compressed) and checks it against what the kernel's own build
 * records: the entry point is {@code startup_64}'s physical address, the PVH note points at
 * {@code pvh_start_xen}.
 *
 * <p>The symbol addresses come from the real System.map. Debian's {@code /boot/System.map-*}
 * is an 83-byte placeholder; the real one is in {@code linux-image-<release>-dbg} (an 858 MB
 * package), at {@code /usr/lib/debug/boot/System.map-<release>}, or wherever
 * {@code BANGER_KERNEL_SYSTEM_MAP} points. Without it only the symbol test skips; the rest
 * checks the same relation through the bzImage header and the kernel config.
 */
class DebianKernelTest {

  /** {@code __START_KERNEL_map}: x86-64 links the kernel at this virtual base plus its physical address. */
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
      System.err.println("DebianKernelTest SKIPPED: no /boot/vmlinuz-* on this machine (apt-get install linux-image-amd64)");
      return;
    }
    bzImage = found.get();
    release = bzImage.getFileName().toString().substring("vmlinuz-".length());
    vmlinux = dir.resolve("vmlinux");
    long start = System.nanoTime();
    info = VmlinuxExtractor.extract(bzImage, vmlinux);
    System.out.printf("extracted %s (%d bytes) -> %d-byte vmlinux in %d ms%n", bzImage, Files.size(bzImage),
        Files.size(vmlinux), (System.nanoTime() - start) / 1_000_000);
  }

  private static Optional<Path> findKernel() throws IOException {
    Path boot = Path.of("/boot");
    if (!Files.isDirectory(boot)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(boot)) {
      return files.filter(p -> p.getFileName().toString().startsWith("vmlinuz-") && Files.isRegularFile(p))
          .sorted().reduce((a, b) -> b); // the newest version sorts last often enough; any one will do
    }
  }

  private static void assumeKernel() {
    assumeTrue(bzImage != null, "no /boot/vmlinuz-* on this machine: apt-get install linux-image-amd64");
  }

  @Test
  void inspectReadsTheBootHeaderAndRelease() throws IOException {
    assumeKernel();
    BzImageHeader h = assertInstanceOf(KernelFile.BzImage.class, KernelFile.inspect(bzImage)).header();
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

  /** Symbol-free check of the same relation: entry = pref_address = CONFIG_PHYSICAL_START = first PT_LOAD's paddr. */
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
      String start = Files.readAllLines(config).stream().filter(l -> l.startsWith("CONFIG_PHYSICAL_START="))
          .findFirst().orElseThrow().substring("CONFIG_PHYSICAL_START=".length());
      assertEquals(Long.decode(start), info.entry());
    }
  }

  @Test
  void entryIsStartup64AndPvhIsPvhStartXenPerSystemMap() throws IOException {
    assumeKernel();
    Optional<Path> map = realSystemMap();
    assumeTrue(map.isPresent(), "no real System.map for " + release + " (Debian's /boot copy is a placeholder):"
        + " apt-get install linux-image-" + release + "-dbg, or set BANGER_KERNEL_SYSTEM_MAP");
    Map<String, Long> symbols = symbols(map.get(), List.of("startup_64", "phys_startup_64", "pvh_start_xen"));
    assertEquals(symbols.get("startup_64") - START_KERNEL_MAP, info.entry());
    assertEquals(symbols.get("phys_startup_64"), info.entry());
    assertEquals(symbols.get("pvh_start_xen") - START_KERNEL_MAP, info.pvhEntry().orElseThrow());
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
      return Compression.detect(r.bytes(h.payloadOffset(), Compression.MAX_MAGIC, "magic")).orElseThrow();
    }
  }

  private static Optional<Path> realSystemMap() {
    String env = System.getenv("BANGER_KERNEL_SYSTEM_MAP");
    return Stream.of(env == null ? null : Path.of(env), bzImage.resolveSibling("System.map-" + release),
            Path.of("/usr/lib/debug/boot/System.map-" + release))
        .filter(p -> p != null && isRealSystemMap(p)).findFirst();
  }

  /** Debian's placeholder is one line: "ffffffffffffffff B The real System.map is in the ...-dbg package". */
  private static boolean isRealSystemMap(Path p) {
    try {
      return Files.isRegularFile(p) && Files.size(p) > 4096;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, Long> symbols(Path map, List<String> wanted) throws IOException {
    Map<String, Long> found = new HashMap<>();
    try (Stream<String> lines = Files.lines(map)) {
      lines.map(l -> l.split(" ")).filter(f -> f.length == 3 && wanted.contains(f[2]))
          .forEach(f -> found.putIfAbsent(f[2], Long.parseUnsignedLong(f[0], 16)));
    }
    assertEquals(wanted.size(), found.size(), "symbols in " + map + ": " + found);
    return found;
  }
}
