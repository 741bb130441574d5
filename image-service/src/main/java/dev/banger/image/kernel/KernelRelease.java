package dev.banger.image.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A kernel's release ({@code uname -r}, e.g. {@code 6.1.0-56-amd64}): it names {@code
 * /lib/modules/<release>} on the host and in guests, so it is checked before it becomes a path
 * component. A bzImage states it in its setup header; a bare vmlinux only in its {@code
 * linux_banner} string ("Linux version 6.1.0-56-amd64 (…"), which {@link #fromVmlinux} finds.
 */
public final class KernelRelease {

  /**
   * Starts with a digit, so never "." or ".."; no "/" and nothing a shell or debugfs would mind.
   */
  public static final Pattern PATTERN = Pattern.compile("[0-9][A-Za-z0-9._+~-]{0,127}");

  private static final byte[] BANNER = "Linux version ".getBytes(StandardCharsets.US_ASCII);
  private static final int CHUNK = 1 << 20;
  private static final int MAX_RELEASE = 128;

  /** Carried from one chunk to the next: a banner cut at the seam is whole in the next pass. */
  private static final int TAIL = BANNER.length + MAX_RELEASE + 2;

  private KernelRelease() {}

  public static boolean valid(String release) {
    return PATTERN.matcher(release).matches();
  }

  /** The release a bzImage's header states, if it is a usable one. */
  public static Optional<String> of(BzImageHeader header) {
    return header.kernelRelease().filter(KernelRelease::valid);
  }

  /**
   * The release in the first {@code "Linux version <release> "} of an uncompressed kernel that
   * passes {@link #PATTERN}; empty when there is none (a stripped or non-Linux ELF). Reads the file
   * once, in 1 MiB chunks.
   */
  public static Optional<String> fromVmlinux(Path vmlinux) throws IOException {
    byte[] buf = new byte[CHUNK + TAIL];
    int keep = 0; // bytes carried over from the previous chunk, so a match across the seam is seen
    try (InputStream in = Files.newInputStream(vmlinux, LinkOption.NOFOLLOW_LINKS)) {
      while (true) {
        int n = in.readNBytes(buf, keep, CHUNK);
        int len = keep + n;
        for (int i = indexOf(buf, 0, len); i >= 0; i = indexOf(buf, i + 1, len)) {
          int start = i + BANNER.length;
          int end = start;
          while (end < len && end - start <= MAX_RELEASE && buf[end] != ' ' && buf[end] != 0) {
            end++;
          }
          if (end < len || n == 0) {
            String r = new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
            if (valid(r)) {
              return Optional.of(r);
            }
          } else {
            break; // the release runs past this chunk: look again once the next one is in
          }
        }
        if (n == 0) {
          return Optional.empty();
        }
        keep = Math.min(len, TAIL);
        System.arraycopy(buf, len - keep, buf, 0, keep);
      }
    }
  }

  private static int indexOf(byte[] buf, int from, int len) {
    outer:
    for (int i = from; i <= len - BANNER.length; i++) {
      for (int j = 0; j < BANNER.length; j++) {
        if (buf[i + j] != BANNER[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
