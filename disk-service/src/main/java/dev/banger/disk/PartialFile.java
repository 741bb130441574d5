package dev.banger.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A disk made under {@code .<name>.partial} in its directory and renamed into place only once
 * whole, so a half-made file is never taken for a finished one; on failure the partial goes. VM
 * disks and snapshot copies are both made this way.
 */
final class PartialFile {

  /** What makes the file at {@code partial} (and sets its owner or mode). */
  @FunctionalInterface
  interface Maker<T> {
    T make(Path partial) throws IOException;
  }

  private PartialFile() {}

  /** The hidden name a file is made under, for clean-ups that look for leftovers. */
  static Path partialOf(Path dir, String name) {
    return dir.resolve("." + name + ".partial");
  }

  static <T> T make(Path dir, String name, Maker<T> maker) throws IOException {
    Path partial = partialOf(dir, name);
    Files.deleteIfExists(partial);
    boolean ok = false;
    try {
      T r = maker.make(partial);
      Files.move(partial, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
      ok = true;
      return r;
    } finally {
      if (!ok) {
        Files.deleteIfExists(partial);
      }
    }
  }
}
