package dev.banger.image.kernel;

import dev.banger.image.kernel.KernelFormatException.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What banger needs to know about an uncompressed kernel ({@code vmlinux}): that it is an ELF64
 * x86-64 executable, where it starts, where it loads, and whether it has a PVH entry.
 *
 * <p>A PVH entry point (a {@code XEN_ELFNOTE_PHYS32_ENTRY} note, name "Xen", type 18) lets QEMU and
 * Firecracker jump straight into the kernel in 32-bit protected mode with no boot loader emulation;
 * it is why a vmlinux boots seconds faster than a bzImage under QEMU.
 *
 * @param elfClass always 64 (32-bit ELFs are refused)
 * @param machine {@code e_machine}, always 0x3E (x86-64)
 * @param type {@code e_type}, always 2 (ET_EXEC)
 * @param entry {@code e_entry}; for Linux x86-64 a physical address ({@code phys_startup_64})
 * @param programHeaderCount {@code e_phnum}
 * @param loadSegments the PT_LOAD program headers, in file order
 * @param pvhEntry the physical address in the Xen PVH note, if the kernel has one
 */
public record ElfInfo(
    int elfClass,
    int machine,
    int type,
    long entry,
    int programHeaderCount,
    List<LoadSegment> loadSegments,
    OptionalLong pvhEntry) {

  static final int MACHINE_X86_64 = 0x3e;
  static final int TYPE_EXEC = 2;
  static final long PT_LOAD = 1;
  static final long PT_NOTE = 4;

  /** XEN_ELFNOTE_PHYS32_ENTRY from xen/include/public/elfnote.h. */
  static final long XEN_ELFNOTE_PHYS32_ENTRY = 18;

  private static final int EHDR64_SIZE = 64;
  private static final int PHDR64_SIZE = 56;
  private static final int NOTE_HEADER_SIZE = 12;
  private static final Map<Integer, String> MACHINES =
      Map.of(
          0x03,
          "i386",
          0x08,
          "MIPS",
          0x14,
          "PowerPC",
          0x15,
          "PowerPC64",
          0x16,
          "s390",
          0x28,
          "ARM",
          0x3e,
          "x86-64",
          0xb7,
          "AArch64",
          0xf3,
          "RISC-V");
  private static final Map<Integer, String> TYPES =
      Map.of(
          0,
          "none",
          1,
          "relocatable object",
          2,
          "executable",
          3,
          "shared object / PIE",
          4,
          "core dump");

  /**
   * One PT_LOAD program header. In a Linux x86-64 vmlinux the first one is the kernel text, linked
   * at {@code __START_KERNEL_map} (0xffffffff80000000) plus its physical address; the per-CPU
   * segment is the exception, with virtual address 0.
   */
  public record LoadSegment(
      long fileOffset, long virtualAddress, long physicalAddress, long fileSize, long memorySize) {}

  public ElfInfo {
    loadSegments = List.copyOf(loadSegments);
  }

  /** Reads a vmlinux given directly, under {@link KernelLimits#DEFAULT}. */
  public static ElfInfo read(Path vmlinux) throws IOException {
    return read(vmlinux, KernelLimits.DEFAULT);
  }

  public static ElfInfo read(Path vmlinux, KernelLimits limits) throws IOException {
    try (BoundedReader r = BoundedReader.open(vmlinux, vmlinux, limits.maxInputBytes())) {
      return parse(r);
    }
  }

  public boolean hasPvhEntry() {
    return pvhEntry.isPresent();
  }

  static boolean hasElfMagic(byte[] head) {
    return head.length >= 4
        && head[0] == 0x7f
        && head[1] == 'E'
        && head[2] == 'L'
        && head[3] == 'F';
  }

  static ElfInfo parse(BoundedReader r) throws IOException {
    if (r.size() < 16) {
      throw r.fail(
          Problem.TRUNCATED,
          "is " + r.size() + " bytes, too small for an ELF identification header");
    }
    byte[] ident = r.bytes(0, 16, "ELF identification");
    if (!hasElfMagic(ident)) {
      throw r.fail(
          Problem.NOT_A_KERNEL,
          "does not start with the ELF magic 7f 45 4c 46 (found "
              + BoundedReader.hexBytes(java.util.Arrays.copyOf(ident, 4))
              + ")");
    }
    int elfClass = ident[4];
    int data = ident[5];
    if (elfClass == 1) {
      String machine = r.contains(18, 2) ? " for " + machineName(r.u16(18, "e_machine")) : "";
      throw r.fail(
          Problem.NOT_64_BIT, "is a 32-bit ELF" + machine + "; only 64-bit x86-64 kernels boot");
    }
    if (elfClass != 2) {
      throw r.fail(Problem.CORRUPT_HEADER, "has an invalid ELF class " + elfClass);
    }
    if (data != 1) {
      throw r.fail(
          Problem.WRONG_ARCHITECTURE,
          "is a "
              + (data == 2 ? "big-endian" : "bad-endianness (" + data + ")")
              + " ELF; x86-64 is little-endian");
    }
    if (r.size() < EHDR64_SIZE) {
      throw r.fail(
          Problem.TRUNCATED, "is " + r.size() + " bytes, too small for an ELF64 header (64)");
    }
    ByteBuffer h = r.buffer(0, EHDR64_SIZE, "ELF64 header");
    int type = h.getShort(16) & 0xffff;
    int machine = h.getShort(18) & 0xffff;
    long entry = h.getLong(24);
    long phoff = h.getLong(32);
    int phentsize = h.getShort(54) & 0xffff;
    int phnum = h.getShort(56) & 0xffff;
    if (machine != MACHINE_X86_64) {
      throw r.fail(
          Problem.WRONG_ARCHITECTURE, "is an ELF for " + machineName(machine) + ", not x86-64");
    }
    if (type != TYPE_EXEC) {
      throw r.fail(
          Problem.NOT_EXECUTABLE,
          "is an ELF "
              + TYPES.getOrDefault(type, "of type " + type)
              + ", not an executable kernel image");
    }
    if (phnum == 0) {
      throw r.fail(Problem.CORRUPT_HEADER, "has no program headers, so there is nothing to load");
    }
    if (phentsize < PHDR64_SIZE) {
      throw r.fail(
          Problem.CORRUPT_HEADER,
          "has program header entries of " + phentsize + " bytes; ELF64 needs " + PHDR64_SIZE);
    }
    // phnum < 2^16 and phentsize < 2^16, so the table length cannot overflow a long.
    r.require(phoff, (long) phnum * phentsize, "program header table (" + phnum + " entries)");

    List<LoadSegment> loads = new ArrayList<>();
    OptionalLong pvh = OptionalLong.empty();
    for (int i = 0; i < phnum; i++) {
      ByteBuffer ph = r.buffer(phoff + (long) i * phentsize, PHDR64_SIZE, "program header " + i);
      long ptype = ph.getInt(0) & 0xffff_ffffL;
      long offset = ph.getLong(8);
      long vaddr = ph.getLong(16);
      long paddr = ph.getLong(24);
      long filesz = ph.getLong(32);
      long memsz = ph.getLong(40);
      long align = ph.getLong(48);
      if (ptype == PT_LOAD) {
        r.require(offset, filesz, "PT_LOAD segment " + i);
        loads.add(new LoadSegment(offset, vaddr, paddr, filesz, memsz));
      } else if (ptype == PT_NOTE && pvh.isEmpty()) {
        r.require(offset, filesz, "PT_NOTE segment " + i);
        pvh = findPvhEntry(r, offset, filesz, align == 8 ? 8 : 4);
      }
    }
    if (loads.isEmpty()) {
      throw r.fail(Problem.CORRUPT_HEADER, "has no PT_LOAD segment, so there is nothing to load");
    }
    return new ElfInfo(64, machine, type, entry, phnum, loads, pvh);
  }

  /**
   * Walks the notes of one PT_NOTE segment (already bounds-checked). Each note is a 12-byte header,
   * then the name and the descriptor, each padded to the segment's alignment. Only the header and a
   * 4-byte name are ever read, so a huge {@code descsz} allocates nothing.
   */
  private static OptionalLong findPvhEntry(BoundedReader r, long start, long length, int align)
      throws IOException {
    long end = start + length;
    long pos = start;
    while (end - pos >= NOTE_HEADER_SIZE) {
      ByteBuffer n = r.buffer(pos, NOTE_HEADER_SIZE, "ELF note header");
      long namesz = n.getInt(0) & 0xffff_ffffL;
      long descsz = n.getInt(4) & 0xffff_ffffL;
      long type = n.getInt(8) & 0xffff_ffffL;
      long name = pos + NOTE_HEADER_SIZE;
      long desc = name + pad(namesz, align);
      long next = desc + pad(descsz, align);
      if (next > end) {
        throw r.fail(
            Problem.CORRUPT_HEADER,
            "has an ELF note at "
                + BoundedReader.hex(pos)
                + " that runs past the end of its PT_NOTE segment");
      }
      if (type == XEN_ELFNOTE_PHYS32_ENTRY
          && namesz == 4
          && "Xen\0".equals(ascii(r.bytes(name, 4, "note name")))) {
        // Linux emits the address as .long on older kernels and as _ASM_PTR (.quad) on newer ones.
        if (descsz == 4) {
          return OptionalLong.of(r.u32(desc, "PVH entry"));
        }
        if (descsz == 8) {
          return OptionalLong.of(r.u64(desc, "PVH entry"));
        }
        throw r.fail(
            Problem.CORRUPT_HEADER,
            "has a Xen PHYS32_ENTRY note with a " + descsz + "-byte descriptor; expected 4 or 8");
      }
      pos = next;
    }
    return OptionalLong.empty();
  }

  /** Rounds up to {@code align}; values are u32, so this cannot overflow. */
  private static long pad(long value, int align) {
    return (value + align - 1) & -align;
  }

  private static String ascii(byte[] bytes) {
    return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  static String machineName(int machine) {
    return MACHINES.getOrDefault(machine, "machine " + BoundedReader.hex(machine));
  }
}
