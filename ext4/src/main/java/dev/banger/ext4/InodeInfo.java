package dev.banger.ext4;

/**
 * What debugfs reports about one inode.
 *
 * @param mode the full {@code st_mode}: type bits | permission bits
 */
public record InodeInfo(
    GuestPath path, long inode, FileType type, int mode, long uid, long gid, long size) {

  public int permissions() {
    return mode & 07777;
  }

  public boolean isDirectory() {
    return type == FileType.DIRECTORY;
  }
}
