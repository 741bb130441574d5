package dev.banger.cli.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.banger.cli.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * What {@code banger system install} wrote (ETC/banger/install-manifest.json), so that {@code
 * uninstall} removes exactly that: every file with the sha256 it was written with (a file changed
 * since is kept unless {@code --purge}), and every directory install created (removed when empty).
 * No timestamps: installing again writes the same bytes.
 */
record InstallManifest(
    int version,
    String owner,
    String prefix,
    List<String> units,
    List<FileEntry> files,
    List<String> dirs) {

  static final int VERSION = 1;
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  record FileEntry(String path, String sha256) {
    /** Whether the file is still as install wrote it. */
    boolean unchanged() throws IOException {
      Path p = Path.of(path);
      return Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
          && InstallManifest.sha256(p).equals(sha256);
    }
  }

  static Optional<InstallManifest> read(Path file) {
    try {
      InstallManifest m = JSON.readValue(Files.readAllBytes(file), InstallManifest.class);
      if (m.version() != VERSION
          || m.files() == null
          || m.dirs() == null
          || m.units() == null
          || m.owner() == null) {
        throw new CliException(
            "install manifest "
                + file
                + " is not one this banger wrote (version "
                + m.version()
                + ")");
      }
      return Optional.of(m);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new CliException("cannot read install manifest " + file + ": " + e.getMessage());
    }
  }

  byte[] toJson() {
    try {
      return (JSON.writeValueAsString(this) + "\n")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(Path p) throws IOException {
    try (InputStream in = Files.newInputStream(p)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
