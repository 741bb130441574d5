package dev.banger.image.source;

import dev.banger.image.oci.Digest;
import dev.banger.image.oci.RegistryException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A layer's uncompressed bytes, hashed as the flattener reads them, and checked against the image
 * config's {@code rootfs.diff_ids} entry: the compressed blob's digest proves what was downloaded,
 * this proves what it unpacks to (a gzip stream can hold more than one tar, or trailing bytes).
 * Closing it is a no-op for the flattener; {@link #verify} drains what the tar reader left (the end
 * padding belongs to the digest too) and closes the layer.
 */
final class DiffIdCheck extends FilterInputStream {

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
    return read(new byte[(int) Math.min(n, 64 * 1024)], 0, (int) Math.min(n, 64 * 1024));
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** The flattener closes its tar reader, which closes this: the layer stays open for verify. */
  @Override
  public void close() {}

  /**
   * @throws RegistryException DIGEST_MISMATCH naming the layer and both digests
   */
  void verify() throws IOException, RegistryException {
    try (InputStream rest = in) {
      rest.transferTo(new HashingSink());
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

  private final class HashingSink extends OutputStream {
    @Override
    public void write(int b) {
      hasher.update(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      hasher.update(b, off, len);
    }
  }
}
