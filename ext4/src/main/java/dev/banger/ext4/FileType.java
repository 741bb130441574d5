package dev.banger.ext4;

/** Inode types, with their {@code S_IFMT} bits and the word debugfs's {@code stat} prints. */
public enum FileType {
  REGULAR(0100000, "regular"),
  DIRECTORY(0040000, "directory"),
  SYMLINK(0120000, "symlink"),
  CHAR_DEVICE(0020000, "character special"),
  BLOCK_DEVICE(0060000, "block special"),
  FIFO(0010000, "FIFO"),
  SOCKET(0140000, "socket");

  public static final int S_IFMT = 0170000;

  private final int bits;
  private final String debugfsWord;

  FileType(int bits, String debugfsWord) {
    this.bits = bits;
    this.debugfsWord = debugfsWord;
  }

  public int bits() {
    return bits;
  }

  /** The type of a full {@code st_mode}, or null when its type bits name no known type. */
  public static FileType ofMode(int mode) {
    int t = mode & S_IFMT;
    for (FileType f : values()) {
      if (f.bits == t) {
        return f;
      }
    }
    return null;
  }

  static FileType ofDebugfsWord(String word) {
    for (FileType f : values()) {
      if (f.debugfsWord.equals(word)) {
        return f;
      }
    }
    return null;
  }
}
