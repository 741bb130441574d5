package dev.banger.ext4;

/**
 * One entry of a directory listing ({@code ls -p}); {@code mode} is the full {@code st_mode}.
 * {@code size} is 0 for directories and special files.
 */
public record DirEntry(String name, long inode, int mode, long uid, long gid, long size) {

  public FileType type() {
    return FileType.ofMode(mode);
  }
}
