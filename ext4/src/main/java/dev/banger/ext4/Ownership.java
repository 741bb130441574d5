package dev.banger.ext4;

/**
 * Owner and full mode to stamp on an existing inode (image-service's ownership pass after {@code
 * mkfs.ext4 -d}). The mode must carry its type bits: the caller knows the type from the tar header,
 * and refusing a bare permission mode here is what keeps the seed's root-inode bug (a directory
 * rewritten as a regular file) from recurring anywhere.
 */
public record Ownership(GuestPath path, long uid, long gid, int mode) {

  public Ownership {
    Ext4Edit.id("uid", uid, path);
    Ext4Edit.id("gid", gid, path);
    if (FileType.ofMode(mode) == null || (mode & ~(FileType.S_IFMT | 07777)) != 0) {
      throw new Ext4Exception(
          Ext4Exception.Kind.INVALID_ARGUMENT,
          "mode 0"
              + Integer.toOctalString(mode)
              + " for "
              + path
              + " has no valid file type bits (e.g. 0100644, 040755)");
    }
  }
}
