package dev.banger.image.flatten;

import dev.banger.ext4.FileType;

/**
 * What a layer said about one path: the facts {@code mkfs.ext4 -d} cannot carry from an
 * unprivileged staging tree (owner, setuid bits, device numbers), restored by the ownership pass.
 *
 * @param perm permission bits including setuid, setgid and sticky ({@code 07777})
 * @param mtime seconds since the epoch
 */
public record EntryMeta(
    FileType type, long uid, long gid, int perm, long mtime, int devMajor, int devMinor) {

  public EntryMeta {
    perm &= 07777;
  }

  /** Parents a layer implies without naming them, as Docker makes them. */
  static EntryMeta implicitDirectory(long mtime) {
    return new EntryMeta(FileType.DIRECTORY, 0, 0, 0755, mtime, 0, 0);
  }

  /** Full {@code st_mode}: type bits plus permissions. */
  public int mode() {
    return type.bits() | perm;
  }

  /** Device nodes and FIFOs exist only as metadata on the host; the ownership pass makes them. */
  public boolean isSpecial() {
    return type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE || type == FileType.FIFO;
  }
}
