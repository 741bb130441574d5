package dev.banger.image.kernel;

import dev.banger.image.kernel.KernelFormatException.Problem;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What a user-supplied kernel file is: an uncompressed ELF {@code vmlinux}, which every VMM boots
 * as it is, or an x86 {@code bzImage}, from which {@link VmlinuxExtractor} must take the vmlinux
 * first. Anything else is a {@link KernelFormatException} that says what is wrong.
 */
public sealed interface KernelFile {

  Path path();

  /** An x86-64 ELF64 executable, checked. */
  record Elf(Path path, ElfInfo info) implements KernelFile {}

  /** An x86 boot image whose setup header checked out and whose payload lies inside the file. */
  record BzImage(Path path, BzImageHeader header) implements KernelFile {}

  static KernelFile inspect(Path file) throws IOException {
    return inspect(file, KernelLimits.DEFAULT);
  }

  static KernelFile inspect(Path file, KernelLimits limits) throws IOException {
    try (BoundedReader r = BoundedReader.open(file, file, limits.maxInputBytes())) {
      return inspect(r, file);
    }
  }

  /** Chooses the parser by magic; the parser then checks everything it reads. */
  private static KernelFile inspect(BoundedReader r, Path file) throws IOException {
    if (r.size() == 0) {
      throw r.fail(Problem.NOT_A_KERNEL, "is empty");
    }
    byte[] head = r.bytes(0, (int) Math.min(4, r.size()), "file header");
    if (ElfInfo.hasElfMagic(head)) {
      return new Elf(file, ElfInfo.parse(r));
    }
    if (BzImageHeader.looksLikeBzImage(r)) {
      return new BzImage(file, BzImageHeader.parse(r));
    }
    if (r.size() < 0x206) {
      throw r.fail(
          Problem.NOT_A_KERNEL,
          "is " + r.size() + " bytes: too small for a kernel, and not an ELF");
    }
    throw r.fail(
        Problem.NOT_A_KERNEL,
        "is neither an ELF vmlinux (magic 7f 45 4c 46) nor an x86 bzImage"
            + " (\"HdrS\" at 0x202); it starts with "
            + BoundedReader.hexBytes(head));
  }
}
