package dev.banger.image.source;

import dev.banger.image.oci.Digest;
import dev.banger.image.oci.RegistryException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A layer's uncompressed bytes, hashed as the flattener reads them, and checked against the image
 * config's {@code rootfs.diff_ids} entry: the compressed blob's digest proves what was downloaded,
 * this proves what it unpacks to (a gzip stream can hold more than one tar, or trailing bytes).
 * Closing it is a no-op for the flattener; {@link #verify} drains what the tar reader left (the end
 * padding belongs to the digest too) and closes the layer.
 */
final class DiffIdCheck extends FilterInputStream {

  /** What may follow a tar's end-of-archive in a layer and still be hashed. */
  static final long MAX_TRAILING = 1 << 20;

  private final Digest want;
  private final Digest.Hasher hasher;
  private final String layerName;

  DiffIdCheck(InputStream uncompressed, Digest want, String layerName) {
    super(uncompressed);
    this.want = want;
    this.hasher = want.newHasher();
    this.layerName = layerName;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      hasher.update(new byte[] {(byte) b}, 0, 1);
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0) {
      hasher.update(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipped bytes are hashed too: read them.
    int want = (int) Math.max(0, Math.min(n, 64 * 1024));
    return Math.max(0, read(new byte[want], 0, want));
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  @Override
  public synchronized void mark(int limit) {}

  @Override
  public synchronized void reset() throws IOException {
    throw new IOException("a layer being hashed cannot be re-read");
  }

  /** The flattener closes its tar reader, which closes this: the layer stays open for verify. */
  @Override
  public void close() {}

  /**
   * @throws RegistryException DIGEST_MISMATCH naming the layer and both digests
   */
  void verify() throws IOException, RegistryException {
    // The tar's end padding (a 10 KiB record at most, as tar writes it) belongs to the digest;
    // a layer that goes on far past its end-of-archive is refused rather than hashed forever.
    try (InputStream rest = in) {
      byte[] buf = new byte[64 * 1024];
      long trailing = 0;
      for (int n; (n = rest.read(buf)) > 0; ) {
        trailing += n;
        if (trailing > MAX_TRAILING) {
          throw new RegistryException(
              RegistryException.Kind.DIGEST_MISMATCH,
              layerName
                  + " goes on for more than "
                  + MAX_TRAILING
                  + " bytes after its tar's end; refusing it");
        }
        hasher.update(buf, 0, n);
      }
    }
    Digest got = hasher.digest();
    if (!got.equals(want)) {
      throw new RegistryException(
          RegistryException.Kind.DIGEST_MISMATCH,
          layerName
              + " unpacks to "
              + got
              + ", but the image config's diff_id for it is "
              + want
              + "; the image is corrupt or was tampered with");
    }
  }
}
