package dev.banger.ext4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The few ext2/3/4 superblock fields the toolkit checks before it lets debugfs near a file: magic,
 * geometry (to refuse truncated images), free space and inodes, and whether the journal needs
 * recovery (docs/architecture.md §8: debugfs writes to an unreplayed journal are silently lost).
 */
public record Superblock(
    long blocksCount, int blockSize, long freeBlocks, long freeInodes, boolean needsRecovery) {

  static final int OFFSET = 1024;
  static final int MAGIC = 0xEF53;
  private static final int INCOMPAT_RECOVER = 0x4;
  private static final int INCOMPAT_64BIT = 0x80;

  public long fsBytes() {
    return blocksCount * blockSize;
  }

  public long freeBytes() {
    return freeBlocks * blockSize;
  }

  /**
   * Reads and checks the superblock.
   *
   * @throws Ext4Exception NOT_AN_IMAGE naming the file and what is wrong with it
   */
  static Superblock read(Path file) {
    ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      while (b.hasRemaining()) {
        if (ch.read(b, OFFSET + b.position()) < 0) {
          throw notImage(file, "is too small to hold an ext4 superblock");
        }
      }
    } catch (IOException e) {
      throw new Ext4Exception(
          Ext4Exception.Kind.NOT_AN_IMAGE, "cannot read " + file + ": " + e.getMessage(), e);
    }
    if ((b.getShort(0x38) & 0xffff) != MAGIC) {
      throw notImage(file, "is not an ext2/3/4 filesystem (bad superblock magic)");
    }
    int logBlock = b.getInt(0x18);
    if (logBlock < 0 || logBlock > 6) {
      throw notImage(file, "has a corrupt superblock (block size 2^" + (10 + logBlock) + ")");
    }
    int incompat = b.getInt(0x60);
    long blocks = Integer.toUnsignedLong(b.getInt(0x04));
    long free = Integer.toUnsignedLong(b.getInt(0x0C));
    if ((incompat & INCOMPAT_64BIT) != 0) {
      blocks |= Integer.toUnsignedLong(b.getInt(0x150)) << 32;
      free |= Integer.toUnsignedLong(b.getInt(0x158)) << 32;
    }
    if (blocks == 0) {
      throw notImage(file, "has a corrupt superblock (0 blocks)");
    }
    long freeInodes = Integer.toUnsignedLong(b.getInt(0x10));
    return new Superblock(
        blocks, 1024 << logBlock, free, freeInodes, (incompat & INCOMPAT_RECOVER) != 0);
  }

  private static Ext4Exception notImage(Path file, String why) {
    return new Ext4Exception(Ext4Exception.Kind.NOT_AN_IMAGE, file + " " + why);
  }
}
