package dev.banger.ext4;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A host file or block device checked to hold an ext4 filesystem, ready for the toolkit.
 *
 * <p>Which privilege an edit needs is decided here, by {@code stat}, not by a caller's flag (seed
 * 000): a regular image file is edited as whatever user the process is; a block device (loop,
 * dm-snapshot) only when {@link BlockDevicePolicy} says the process holds the capability. Anything
 * else (directories, FIFOs, character devices, symlinks) is refused.
 */
public record Ext4Image(Path path, boolean blockDevice, Superblock superblock) {

  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  private static final int S_IFBLK = 0060000;

  /**
   * Opens {@code path} for toolkit use.
   *
   * @throws Ext4Exception NOT_AN_IMAGE (missing, wrong type, bad magic, truncated) or PERMISSION
   */
  public static Ext4Image open(Path path, BlockDevicePolicy policy) {
    int mode;
    long size;
    try {
      mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      size = (Long) Files.getAttribute(path, "unix:size", LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new Ext4Exception(Ext4Exception.Kind.NOT_AN_IMAGE, path + " does not exist");
    } catch (IOException e) {
      throw new Ext4Exception(
          Ext4Exception.Kind.NOT_AN_IMAGE, "cannot stat " + path + ": " + e.getMessage(), e);
    }
    boolean block =
        switch (mode & S_IFMT) {
          case S_IFREG -> false;
          case S_IFBLK -> true;
          default ->
              throw new Ext4Exception(
                  Ext4Exception.Kind.NOT_AN_IMAGE,
                  path + " is neither a regular file nor a block device");
        };
    if (block && !policy.mayEditBlockDevices()) {
      throw new Ext4Exception(
          Ext4Exception.Kind.PERMISSION,
          path
              + " is a block device; editing it needs "
              + policy.requirement()
              + ", which this process lacks");
    }
    Superblock sb = Superblock.read(path);
    if (!block && size < sb.fsBytes()) {
      throw new Ext4Exception(
          Ext4Exception.Kind.NOT_AN_IMAGE,
          path
              + " is truncated: the filesystem needs "
              + sb.fsBytes()
              + " bytes but the file has "
              + size);
    }
    return new Ext4Image(path, block, sb);
  }

  /** Re-reads the superblock (after a tool changed the image). */
  public Ext4Image reread() {
    return new Ext4Image(path, blockDevice, Superblock.read(path));
  }
}
