package dev.banger.cli.system;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Removing what a manifest lists, and nothing else: files still as install wrote them (a changed
 * one is kept and named, unless {@code evenChanged}), then the directories install created, deepest
 * first, each only when empty. Used by uninstall, and by install for its own stale files.
 */
final class InstallRemoval {

  private InstallRemoval() {}

  /**
   * @return how many files were removed
   */
  static int files(
      Collection<InstallManifest.FileEntry> entries, boolean evenChanged, PrintWriter out)
      throws IOException {
    int removed = 0;
    for (InstallManifest.FileEntry e : entries) {
      Path p = Path.of(e.path());
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      // The CLI's AOT cache is retrained in place (doctor's fix): changed is how it is meant to be.
      boolean derived = p.getFileName().toString().startsWith("banger-cli.");
      if (!evenChanged && !derived && !e.unchanged()) {
        out.println("kept " + p + " (changed since install; --purge removes it)");
        continue;
      }
      Files.delete(p);
      removed++;
    }
    return removed;
  }

  /**
   * @return the directories left (not empty, or kept by {@code keep})
   */
  static List<String> emptyDirs(Collection<String> dirs, Predicate<String> keep, PrintWriter out)
      throws IOException {
    List<String> left = new ArrayList<>();
    for (String d : dirs.stream().sorted(Comparator.reverseOrder()).toList()) {
      Path p = Path.of(d);
      if (keep.test(d) || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          left.add(d);
        }
        continue;
      }
      try {
        Files.delete(p);
      } catch (DirectoryNotEmptyException e) {
        if (out != null) {
          out.println("kept " + p + "/ (not empty: holds files install did not write)");
        }
        left.add(d);
      }
    }
    return left;
  }
}
