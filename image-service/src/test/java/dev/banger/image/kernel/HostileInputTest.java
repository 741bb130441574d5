package dev.banger.image.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.kernel.KernelFormatException.Problem;
import dev.banger.image.kernel.TestKernels.BzImage;
import dev.banger.image.kernel.TestKernels.Elf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernel files are user input: every malformed one must end in a {@link KernelFormatException}
 * naming the file and the fault, never in an unchecked exception, a huge allocation or a file left
 * behind.
 */
class HostileInputTest {

  @TempDir Path dir;

  private static final byte[] VMLINUX = new Elf().build();

  private Path file(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  /** Faults in the file's headers, which inspect finds too; the others only show in the payload. */
  private static final Set<Problem> HEADER_PROBLEMS =
      EnumSet.of(
          Problem.TOO_LARGE,
          Problem.NOT_A_KERNEL,
          Problem.TRUNCATED,
          Problem.CORRUPT_HEADER,
          Problem.UNSUPPORTED_BOOT_PROTOCOL);

  /**
   * Extraction of {@code in} must fail with {@code problem} and leave {@code out/} empty; inspect
   * must fail the same way for header faults and accept the file as a bzImage for payload faults.
   */
  private KernelFormatException rejected(Path in, Problem problem, KernelLimits limits)
      throws IOException {
    KernelFormatException inspected = null;
    if (HEADER_PROBLEMS.contains(problem)) {
      inspected = assertThrows(KernelFormatException.class, () -> KernelFile.inspect(in, limits));
      assertEquals(problem, inspected.problem(), inspected.getMessage());
    } else if (problem != Problem.ALREADY_VMLINUX) {
      assertInstanceOf(KernelFile.BzImage.class, KernelFile.inspect(in, limits));
    }
    Path outDir = Files.createDirectories(dir.resolve("out"));
    KernelFormatException e =
        assertThrows(
            KernelFormatException.class,
            () -> VmlinuxExtractor.extract(in, outDir.resolve("vmlinux"), limits));
    assertEquals(problem, e.problem(), e.getMessage());
    assertEquals(in, e.file());
    assertTrue(e.getMessage().startsWith(in.toString() + ": "), e.getMessage());
    try (Stream<Path> left = Files.list(outDir)) {
      assertEquals(List.of(), left.toList(), "a failed extraction leaves nothing behind");
    }
    return inspected != null ? inspected : e;
  }

  private KernelFormatException rejected(Path in, Problem problem) throws IOException {
    return rejected(in, problem, KernelLimits.DEFAULT);
  }

  @Test
  void emptyFile() throws IOException {
    assertTrue(
        rejected(file("empty", new byte[0]), Problem.NOT_A_KERNEL)
            .getMessage()
            .endsWith("is empty"));
  }

  @Test
  void randomBytes() throws IOException {
    byte[] noise = new byte[1 << 20];
    new Random(42).nextBytes(noise);
    KernelFormatException e = rejected(file("noise", noise), Problem.NOT_A_KERNEL);
    assertTrue(e.getMessage().contains("neither an ELF vmlinux"), e.getMessage());
  }

  @Test
  void tinyFileIsTooSmallForAKernel() throws IOException {
    KernelFormatException e =
        rejected(file("tiny", "hello\n".getBytes(StandardCharsets.US_ASCII)), Problem.NOT_A_KERNEL);
    assertTrue(e.getMessage().contains("too small"), e.getMessage());
  }

  @Test
  void truncatedSetupHeader() throws IOException {
    byte[] whole = new BzImage().payload(TestKernels.gzip(VMLINUX)).build();
    KernelFormatException e = rejected(file("cut", Arrays.copyOf(whole, 0x230)), Problem.TRUNCATED);
    assertTrue(e.getMessage().contains("past the end of the file (560 bytes)"), e.getMessage());
  }

  @Test
  void payloadOffsetPastTheEnd() throws IOException {
    BzImage b = new BzImage().payload(TestKernels.gzip(VMLINUX));
    b.payloadOffset = 0xffff_ff00L;
    KernelFormatException e = rejected(file("offset", b.build()), Problem.TRUNCATED);
    assertTrue(e.getMessage().contains("payload (payload_offset 0xffffff00"), e.getMessage());
  }

  @Test
  void payloadLengthPastTheEnd() throws IOException {
    BzImage b = new BzImage().payload(TestKernels.gzip(VMLINUX));
    b.payloadLength = 0xffff_ffffL;
    rejected(file("length", b.build()), Problem.TRUNCATED);
  }

  @Test
  void zeroLengthPayload() throws IOException {
    BzImage b = new BzImage().payload(TestKernels.gzip(VMLINUX));
    b.payloadLength = 0L;
    assertTrue(
        rejected(file("zero", b.build()), Problem.CORRUPT_HEADER)
            .getMessage()
            .contains("zero-length payload"));
  }

  @Test
  void badHeaderMagic() throws IOException {
    BzImage b = new BzImage().payload(TestKernels.gzip(VMLINUX));
    b.magic = "HdrZ".getBytes(StandardCharsets.ISO_8859_1);
    rejected(file("magic", b.build()), Problem.NOT_A_KERNEL);
  }

  @Test
  void bootProtocolTooOld() throws IOException {
    BzImage b = new BzImage().payload(TestKernels.gzip(VMLINUX));
    b.protocol = 0x0206;
    KernelFormatException e = rejected(file("old", b.build()), Problem.UNSUPPORTED_BOOT_PROTOCOL);
    assertTrue(e.getMessage().contains("boot protocol 2.06"), e.getMessage());
  }

  @Test
  void gzipOfSomethingThatIsNotAnElf() throws IOException {
    byte[] text = "#!/bin/sh\necho not a kernel\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
    Path in = file("shell", new BzImage().payload(TestKernels.gzip(text)).build());
    KernelFormatException e = rejected(in, Problem.PAYLOAD_NOT_VMLINUX);
    assertTrue(
        e.getMessage().contains("gzip payload decompressed to " + text.length + " bytes"),
        e.getMessage());
    assertTrue(e.getMessage().contains("ELF magic"), e.getMessage());
  }

  @Test
  void gzipBombStopsAtTheCap() throws IOException {
    ByteArrayOutputStream bomb = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(bomb)) {
      gz.write(VMLINUX); // a real ELF start, so only the size can stop it
      byte[] zeros = new byte[1 << 20];
      for (int i = 0; i < 64; i++) {
        gz.write(zeros);
      }
    }
    assertTrue(bomb.size() < 200_000, "64 MiB of zeros compress to " + bomb.size());
    Path in = file("bomb", new BzImage().payload(bomb.toByteArray()).build());
    KernelLimits limits = new KernelLimits(KernelLimits.DEFAULT.maxInputBytes(), 8L << 20);
    KernelFormatException e = rejected(in, Problem.DECOMPRESSED_TOO_LARGE, limits);
    assertTrue(e.getMessage().contains("more than 8388608 bytes"), e.getMessage());
  }

  @Test
  void lz4PayloadNamesTheUnsupportedCompression() throws IOException {
    Path in =
        file(
            "lz4",
            new BzImage()
                .payload(TestKernels.kernelPayload(Compression.LZ4_LEGACY, VMLINUX))
                .build());
    KernelFormatException e = rejected(in, Problem.UNSUPPORTED_COMPRESSION);
    assertTrue(e.getMessage().contains("payload is lz4 (legacy frame)-compressed"), e.getMessage());
  }

  @Test
  void lzoPayloadNamesTheUnsupportedCompression() throws IOException {
    Path in =
        file(
            "lzo",
            new BzImage().payload(TestKernels.kernelPayload(Compression.LZO, VMLINUX)).build());
    assertTrue(rejected(in, Problem.UNSUPPORTED_COMPRESSION).getMessage().contains("lzo"));
  }

  @Test
  void payloadWithNoKnownMagic() throws IOException {
    byte[] noise = new byte[4096];
    new Random(7).nextBytes(noise);
    noise[0] = 0x11;
    KernelFormatException e =
        rejected(
            file("unknown", new BzImage().payload(noise).build()), Problem.UNKNOWN_COMPRESSION);
    assertTrue(e.getMessage().contains("starts with 11 "), e.getMessage());
  }

  @Test
  void corruptXzStream() throws IOException {
    byte[] xz = TestKernels.kernelPayload(Compression.XZ, VMLINUX);
    for (int i = 40; i < 60; i++) {
      xz[i] ^= (byte) 0x5a;
    }
    KernelFormatException e =
        rejected(file("xz", new BzImage().payload(xz).build()), Problem.CORRUPT_PAYLOAD);
    assertTrue(e.getMessage().contains("the xz payload does not decode"), e.getMessage());
  }

  @Test
  void lzmaHeaderAskingForAGigabyteDictionaryIsRefusedBeforeAllocating() throws IOException {
    // props 0x5d, dictionary 1 GiB (still the "5d 00 00" magic), unknown size, then junk.
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    b.put((byte) 0x5d).putInt(1 << 30).putLong(-1L);
    KernelFormatException e =
        rejected(file("lzma", new BzImage().payload(b.array()).build()), Problem.CORRUPT_PAYLOAD);
    assertTrue(e.getMessage().contains("MiB of decoder memory"), e.getMessage());
  }

  @Test
  void truncatedZstdFrame() throws IOException {
    byte[] zstd = TestKernels.kernelPayload(Compression.ZSTD, VMLINUX);
    byte[] cut = Arrays.copyOf(zstd, zstd.length / 2);
    rejected(file("zstd", new BzImage().payload(cut).build()), Problem.CORRUPT_PAYLOAD);
  }

  @Test
  void fileOverTheInputLimit() throws IOException {
    Path in = file("big", new BzImage().payload(TestKernels.gzip(VMLINUX)).build());
    KernelFormatException e = rejected(in, Problem.TOO_LARGE, new KernelLimits(1024, 1 << 20));
    assertTrue(e.getMessage().contains("over the 1024-byte limit"), e.getMessage());
  }

  @Test
  void thirtyTwoBitElfGivenAsVmlinux() throws IOException {
    Path in = file("vmlinux32", Elf.elf32());
    KernelFormatException e = assertThrows(KernelFormatException.class, () -> ElfInfo.read(in));
    assertEquals(Problem.NOT_64_BIT, e.problem());
    assertTrue(e.getMessage().contains("32-bit ELF for i386"), e.getMessage());
    assertEquals(
        Problem.NOT_64_BIT,
        assertThrows(KernelFormatException.class, () -> KernelFile.inspect(in)).problem());
  }

  @Test
  void elfForAnotherArchitecture() throws IOException {
    Elf arm = new Elf();
    arm.machine = 0xb7;
    KernelFormatException e =
        assertThrows(KernelFormatException.class, () -> ElfInfo.read(file("arm", arm.build())));
    assertEquals(Problem.WRONG_ARCHITECTURE, e.problem());
    assertTrue(e.getMessage().contains("AArch64"), e.getMessage());
  }

  @Test
  void elfObjectFileIsNotAKernel() throws IOException {
    Elf object = new Elf();
    object.type = 1;
    assertEquals(
        Problem.NOT_EXECUTABLE,
        assertThrows(KernelFormatException.class, () -> ElfInfo.read(file("o", object.build())))
            .problem());
  }

  @Test
  void elfProgramHeadersPastTheEnd() throws IOException {
    Elf far = new Elf();
    far.phoff = 0x7fff_ffff_ffff_0000L;
    assertEquals(
        Problem.TRUNCATED,
        assertThrows(KernelFormatException.class, () -> ElfInfo.read(file("far", far.build())))
            .problem());
    Elf many = new Elf();
    many.phnum = 0xffff;
    assertEquals(
        Problem.TRUNCATED,
        assertThrows(KernelFormatException.class, () -> ElfInfo.read(file("many", many.build())))
            .problem());
  }

  @Test
  void elfNoteWithAHugeDescriptorIsRejectedWithoutAllocatingIt() throws IOException {
    Elf note = new Elf();
    note.pvhDescSize = 0xffff_fff0L;
    KernelFormatException e =
        assertThrows(KernelFormatException.class, () -> ElfInfo.read(file("note", note.build())));
    assertEquals(Problem.CORRUPT_HEADER, e.problem());
    assertTrue(e.getMessage().contains("runs past the end of its PT_NOTE segment"), e.getMessage());
  }

  @Test
  void elfGivenToTheExtractor() throws IOException {
    rejected(file("vmlinux", VMLINUX), Problem.ALREADY_VMLINUX);
  }

  @Test
  void notARegularFile() throws IOException {
    Path sub = Files.createDirectories(dir.resolve("sub"));
    assertEquals(
        Problem.NOT_A_KERNEL,
        assertThrows(KernelFormatException.class, () -> KernelFile.inspect(sub)).problem());
    Path zero = Path.of("/dev/zero");
    if (Files.exists(zero)) {
      assertEquals(
          Problem.NOT_A_KERNEL,
          assertThrows(KernelFormatException.class, () -> KernelFile.inspect(zero)).problem());
    }
    assertInstanceOf(
        java.nio.file.NoSuchFileException.class,
        assertThrows(IOException.class, () -> KernelFile.inspect(dir.resolve("missing"))));
  }

  @Test
  void aFailedExtractionLeavesTheExistingOutputAlone() throws IOException {
    Path out = Files.writeString(dir.resolve("vmlinux"), "previous good kernel");
    Path in =
        file(
            "bad",
            new BzImage()
                .payload(TestKernels.gzip("junk".getBytes(StandardCharsets.US_ASCII)))
                .build());
    assertThrows(KernelFormatException.class, () -> VmlinuxExtractor.extract(in, out));
    assertEquals("previous good kernel", Files.readString(out));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(
          List.of(), left.filter(p -> p.getFileName().toString().endsWith(".partial")).toList());
    }
  }

  @Test
  void unreadableVersionStringIsUnknownNotAnError() throws IOException {
    BzImage control = new BzImage().payload(TestKernels.gzip(VMLINUX));
    control.version = "6.1.0\u0007\u001b[31m";
    assertTrue(BzImageHeader.read(file("ctl", control.build())).kernelRelease().isEmpty());
    BzImage far = new BzImage().payload(TestKernels.gzip(VMLINUX));
    far.versionPointer = 0xfff0;
    assertTrue(BzImageHeader.read(file("far", far.build())).kernelVersion().isEmpty());
    assertFalse(
        BzImageHeader.read(file("ok", new BzImage().payload(TestKernels.gzip(VMLINUX)).build()))
            .kernelRelease()
            .isEmpty());
  }

  @Test
  void setupSectsZeroMeansFour() throws IOException {
    BzImage b = new BzImage().payload(TestKernels.gzip(VMLINUX));
    b.setupSects = 0;
    BzImageHeader h = BzImageHeader.read(file("zero-sects", b.build()));
    assertEquals(4, h.setupSectors());
    assertEquals(5 * 512 + b.codeBeforePayload, h.payloadOffset());
    assertArrayEquals(VMLINUX, Files.readAllBytes(extractTo(file("zs", b.build()))));
  }

  private Path extractTo(Path in) throws IOException {
    Path out = dir.resolve(in.getFileName() + ".vmlinux");
    VmlinuxExtractor.extract(in, out);
    return out;
  }
}
