package dev.banger.vm.app.exec;

import dev.banger.kit.archive.TarTypeFlags;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Passes a client's tar stream to the guest's {@code tar -x} entry by entry, after checking each
 * name: relative, no {@code ..}, nothing through a symlink the same stream made, hard links to
 * names inside, only files, directories and links. The first entry that breaks a rule stops the
 * copy before any of it is written, and is named in the refusal.
 */
public final class TarGate {

  /** An entry the rules refuse. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String entry, String why) {
      super("tar entry \"" + dev.banger.kit.text.Printable.bare(entry, 200) + "\": " + why);
    }
  }

  /** What went through. */
  public record Copied(long entries, long contentBytes) {}

  private TarGate() {}

  public static Copied copy(InputStream from, OutputStream to) throws IOException, Refused {
    Set<String> symlinks = new HashSet<>();
    long entries = 0;
    long bytes = 0;
    TarArchiveInputStream in = new TarArchiveInputStream(from);
    TarArchiveOutputStream out = new TarArchiveOutputStream(to);
    out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    out.setAddPaxHeadersForNonAsciiNames(true);
    for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
      String name = inside(e.getName(), e.getName(), symlinks);
      boolean file = TarTypeFlags.regular(e.getLinkFlag());
      // By the type flag: isDirectory() says yes to any entry whose name ends in "/", devices too.
      boolean directory = e.getLinkFlag() == TarConstants.LF_DIR;
      if (!(file || directory || e.isSymbolicLink() || e.isLink())) {
        throw new Refused(e.getName(), "only files, directories and links are copied");
      }
      if (e.isLink()) {
        String target = inside(e.getName(), e.getLinkName(), symlinks);
        e.setLinkName(target);
        if (symlinks.contains(target)) {
          symlinks.add(name); // link() does not follow: a hard link to a symlink is one too
        }
      }
      if (e.isSymbolicLink()) {
        symlinks.add(name);
      }
      e.setName(directory ? name + "/" : name);
      // Headers commons-compress does not interpret (GNU.sparse.name renames a member in GNU
      // tar) would reach the guest unchecked: only the fields checked here go on.
      e.clearExtraPaxHeaders();
      out.putArchiveEntry(e);
      if (file) {
        bytes += in.transferTo(out);
      }
      out.closeArchiveEntry();
      entries++;
    }
    out.finish();
    out.flush();
    return new Copied(entries, bytes);
  }

  /** {@code path} normalised (no "./", no trailing "/"), or refused for {@code entry}. */
  static String inside(String entry, String path, Set<String> symlinks) throws Refused {
    if (path.startsWith("/")) {
      throw new Refused(entry, "an absolute name leaves the directory; names are relative to it");
    }
    StringBuilder out = new StringBuilder();
    for (String c : path.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        throw new Refused(entry, "\"..\" leaves the directory");
      }
      if (!out.isEmpty() && symlinks.contains(out.toString())) {
        throw new Refused(entry, "it passes through \"" + out + "\", a symlink this stream made");
      }
      if (!out.isEmpty()) {
        out.append('/');
      }
      out.append(c);
    }
    if (out.isEmpty()) {
      return ".";
    }
    return out.toString();
  }
}
