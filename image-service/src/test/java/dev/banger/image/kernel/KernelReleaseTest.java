package dev.banger.image.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelReleaseTest {

  @TempDir Path dir;

  private Path file(int padding, String... strings) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(new byte[padding]);
    for (String s : strings) {
      b.write(s.getBytes(StandardCharsets.ISO_8859_1));
      b.write(0);
    }
    b.write(new byte[100]);
    return Files.write(dir.resolve("f" + padding + strings.length), b.toByteArray());
  }

  @Test
  void findsTheBannerAnywhereIncludingAcrossTheChunkSeam() throws Exception {
    for (int seamOffset : new int[] {-40, -14, -5, -1, 0, 3}) {
      Path f =
          file(
              (1 << 20) + seamOffset,
              "Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)");
      assertEquals(
          Optional.of("6.1.0-56-amd64"),
          KernelRelease.fromVmlinux(f),
          "banner at seam " + seamOffset);
    }
  }

  @Test
  void skipsFormatStringsAndRefusesUnsafeReleases() throws Exception {
    Path f = file(10, "Linux version %s (%s)", "Linux version 5.10.0-9-amd64 (x)");
    assertEquals(
        Optional.of("5.10.0-9-amd64"), KernelRelease.fromVmlinux(f), "the first usable one");
    assertEquals(
        Optional.empty(), KernelRelease.fromVmlinux(file(10, "Linux version ../../etc (x)")));
    assertEquals(Optional.empty(), KernelRelease.fromVmlinux(file(10, "no banner here")));
    assertFalse(KernelRelease.valid(".."));
    assertFalse(KernelRelease.valid("6.1/../x"));
    assertFalse(KernelRelease.valid("6".repeat(129)));
    assertTrue(KernelRelease.valid("6.1.0-56-amd64"));
    assertTrue(KernelRelease.valid("6.18.44-fc-v657"));
  }
}
