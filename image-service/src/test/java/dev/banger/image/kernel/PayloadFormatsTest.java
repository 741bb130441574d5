package dev.banger.image.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdInputStream;
import dev.banger.image.kernel.TestKernels.BzImage;
import dev.banger.image.kernel.TestKernels.Elf;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every compression we decode, packed the way the kernel build packs it (stream, then the 4-byte
 * size, then more bytes of the file after the payload): extraction gives back the ELF exactly and
 * reads its facts.
 */
class PayloadFormatsTest {

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"GZIP", "XZ", "ZSTD", "BZIP2", "LZMA"})
  void extractsEachSupportedCompression(Compression c) throws IOException {
    byte[] vmlinux = new Elf().build();
    byte[] payload = TestKernels.kernelPayload(c, vmlinux);
    assertEquals(c, Compression.detect(payload).orElseThrow());
    Path in = Files.write(dir.resolve("bzImage-" + c), new BzImage().payload(payload).build());

    BzImageHeader header =
        assertInstanceOf(KernelFile.BzImage.class, KernelFile.inspect(in)).header();
    assertEquals(payload.length, header.payloadLength());
    assertEquals("6.1.0-test-amd64", header.kernelRelease().orElseThrow());
    assertEquals("2.15", header.protocolVersionString());
    assertEquals(OptionalLong.of(TestKernels.ENTRY), header.preferredAddress());

    Path out = dir.resolve("vmlinux-" + c);
    ElfInfo info = VmlinuxExtractor.extract(in, out);
    assertArrayEquals(vmlinux, Files.readAllBytes(out));
    assertEquals(
        new ElfInfo(
            64,
            0x3e,
            2,
            TestKernels.ENTRY,
            2,
            info.loadSegments(),
            OptionalLong.of(TestKernels.PVH_ENTRY)),
        info);
    assertEquals(1, info.loadSegments().size());
    assertEquals(info, ElfInfo.read(out));
    assertEquals(
        "rw-r--r--",
        java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
  }

  @Test
  void extractionReplacesAnExistingOutput() throws IOException {
    byte[] vmlinux = new Elf().build();
    Path in =
        Files.write(
            dir.resolve("bzImage"), new BzImage().payload(TestKernels.gzip(vmlinux)).build());
    Path out = Files.writeString(dir.resolve("vmlinux"), "stale");
    VmlinuxExtractor.extract(in, out);
    assertArrayEquals(vmlinux, Files.readAllBytes(out));
  }

  @Test
  void aShortPvhNoteAndNoNoteAtAll() throws IOException {
    Elf four = new Elf();
    four.pvhDescSize = 4; // older kernels emit the address with .long
    assertEquals(
        OptionalLong.of(TestKernels.PVH_ENTRY & 0xffff_ffffL),
        ElfInfo.read(Files.write(dir.resolve("four"), four.build())).pvhEntry());
    Elf none = new Elf();
    none.pvhNote = false;
    assertEquals(
        OptionalLong.empty(),
        ElfInfo.read(Files.write(dir.resolve("none"), none.build())).pvhEntry());
  }

  /**
   * Why {@link ZstdFrame} exists: zstd-jni's stream reads the kernel's appended size as a second
   * frame.
   */
  @Test
  void zstdJniFailsOnTheBytesTheKernelAppends() {
    byte[] payload = TestKernels.kernelPayload(Compression.ZSTD, new Elf().build());
    IOException e =
        assertThrows(
            IOException.class,
            () -> {
              try (ZstdInputStream in = new ZstdInputStream(new ByteArrayInputStream(payload))) {
                in.readAllBytes();
              }
            });
    assertTrue(e.getMessage().contains("Unknown frame descriptor"), e.getMessage());
  }
}
