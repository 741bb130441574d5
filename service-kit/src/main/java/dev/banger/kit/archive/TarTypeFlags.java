package dev.banger.kit.archive;

/**
 * What a tar header's type flag says an entry is, for the rules every tar reader here applies.
 * Takes the flag byte (Commons Compress's {@code TarArchiveEntry.getLinkFlag()}), so the kit needs
 * no tar library of its own.
 */
public final class TarTypeFlags {

  /** POSIX ustar: a regular file; NUL (old tar) and '7' (contiguous file) mean the same. */
  static final byte NORMAL = '0';

  static final byte OLD_NORMAL = 0;
  static final byte CONTIGUOUS = '7';

  private TarTypeFlags() {}

  /**
   * A plain file, by its type flag alone. Not Commons Compress's {@code isFile()}, which says yes
   * to every entry that is not a directory: symlinks, hard links, devices and FIFOs included.
   */
  public static boolean regular(byte typeFlag) {
    return typeFlag == NORMAL || typeFlag == OLD_NORMAL || typeFlag == CONTIGUOUS;
  }
}
