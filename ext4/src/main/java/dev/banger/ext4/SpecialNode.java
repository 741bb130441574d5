package dev.banger.ext4;

import java.util.List;

/**
 * A device node or FIFO to create with debugfs {@code mknod}: an unprivileged service cannot make
 * one on the host for {@code mkfs.ext4 -d} to copy, so image-service creates it in the image.
 */
public record SpecialNode(GuestPath path, FileType type, int major, int minor) {

  public SpecialNode {
    if (type != FileType.CHAR_DEVICE && type != FileType.BLOCK_DEVICE && type != FileType.FIFO) {
      throw new Ext4Exception(
          Ext4Exception.Kind.INVALID_ARGUMENT, path + ": only devices and FIFOs are special nodes");
    }
    if (path.isRoot() || major < 0 || minor < 0 || major > 0xFFF || minor > 0xFFFFF) {
      throw new Ext4Exception(
          Ext4Exception.Kind.INVALID_ARGUMENT,
          path
              + ": device "
              + major
              + ":"
              + minor
              + " is out of range (major 0-4095, minor 0-1048575)");
    }
  }

  /**
   * debugfs's {@code mknod} links its argument verbatim into the current directory: given {@code
   * /dev/null} it makes an entry literally named "/dev/null" in {@code /}, which e2fsck then calls
   * corruption. So: change into the parent, then mknod the bare name.
   */
  List<String> mknodCommands() {
    String args =
        switch (type) {
          case FIFO -> " p";
          case CHAR_DEVICE -> " c " + major + " " + minor;
          default -> " b " + major + " " + minor;
        };
    return List.of("cd " + path.parent().quoted(), "mknod \"" + path.name() + "\"" + args);
  }
}
