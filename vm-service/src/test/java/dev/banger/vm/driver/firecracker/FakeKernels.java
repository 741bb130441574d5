package dev.banger.vm.driver.firecracker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files that look like kernels to a loader's first bytes: enough for the stub's checks. */
final class FakeKernels {

  private FakeKernels() {}

  /** ELF64 little-endian header start: what an uncompressed vmlinux begins with. */
  static Path vmlinux(Path p) throws IOException {
    byte[] b = new byte[4096];
    byte[] ident = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    System.arraycopy(ident, 0, b, 0, ident.length);
    return Files.write(p, b);
  }

  /** A bzImage: "MZ" boot sector, the "HdrS" setup header magic at 0x202, no ELF anywhere. */
  static Path bzImage(Path p) throws IOException {
    byte[] b = new byte[4096];
    b[0] = 'M';
    b[1] = 'Z';
    b[0x1fe] = 0x55;
    b[0x1ff] = (byte) 0xaa;
    byte[] hdrs = {'H', 'd', 'r', 'S'};
    System.arraycopy(hdrs, 0, b, 0x202, 4);
    return Files.write(p, b);
  }
}
