package dev.banger.image.build;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * banger's pieces of every guest: the sshd drop-in, the network bootstrap and the first-boot unit
 * (sources in {@code resources/guest/}). They are one more tar layer on top of the image, so they
 * go through the same flattener and ownership pass as the image's own files.
 */
public final class GuestPieces {

  static final String LIB = "usr/local/lib/banger/";
  static final String UNITS = "etc/systemd/system/";

  private GuestPieces() {}

  /** The layer, as an uncompressed tar. */
  public static byte[] layer() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
      file(tar, "etc/ssh/sshd_config.d/99-banger.conf", "99-banger.conf", 0644);
      file(tar, LIB + "network-bootstrap", "network-bootstrap", 0755);
      file(tar, LIB + "first-boot", "first-boot", 0755);
      for (String unit : new String[] {"banger-network.service", "banger-first-boot.service"}) {
        file(tar, UNITS + unit, unit, 0644);
        // What `systemctl enable` would do, done offline.
        TarArchiveEntry link =
            new TarArchiveEntry(UNITS + "multi-user.target.wants/" + unit, TarConstants.LF_SYMLINK);
        link.setLinkName("/" + UNITS + unit);
        link.setMode(0777);
        tar.putArchiveEntry(link);
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void file(TarArchiveOutputStream tar, String path, String resource, int mode)
      throws IOException {
    byte[] bytes;
    try (InputStream in = GuestPieces.class.getResourceAsStream("/guest/" + resource)) {
      if (in == null) {
        throw new IllegalStateException("guest piece " + resource + " is missing from the build");
      }
      bytes = in.readAllBytes();
    }
    TarArchiveEntry e = new TarArchiveEntry(path);
    e.setSize(bytes.length);
    e.setMode(mode);
    e.setIds(0, 0);
    tar.putArchiveEntry(e);
    tar.write(bytes);
    tar.closeArchiveEntry();
  }
}
