package dev.banger.kit.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing scratch trees under banger's state directory. Symlinks are removed, never followed. */
public final class DirectoryTrees {

  private DirectoryTrees() {}

  /** Deletes {@code dir} and everything below it; a missing {@code dir} is fine. */
  public static void delete(Path dir) throws IOException {
    if (dir != null && Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      deleteBelow(dir, true);
    }
  }

  /** Deletes everything below {@code dir}, keeping {@code dir} itself. */
  public static void empty(Path dir) throws IOException {
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      deleteBelow(dir, false);
    }
  }

  private static void deleteBelow(Path dir, boolean andItself) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        if (andItself || !p.equals(dir)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
