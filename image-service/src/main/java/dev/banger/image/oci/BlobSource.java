package dev.banger.image.oci;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Where {@link BlobCache} gets bytes from: one repository of one registry. Kept as an interface so
 * the cache's resume and verification logic does not depend on HTTP.
 */
public interface BlobSource {

  /**
   * Opens a blob for reading from {@code offset} (0 for the whole blob).
   *
   * @return the body and where it really starts: {@code offset}, or 0 when the server ignored the
   *     range and sent everything
   */
  Body open(Descriptor blob, long offset) throws RegistryException;

  /** The repository, for messages: {@code 127.0.0.1:5000/a/b}. */
  String describe();

  /** A blob body from {@code start}; closing it releases the connection. */
  record Body(InputStream stream, long start) implements Closeable {
    @Override
    public void close() throws IOException {
      stream.close();
    }
  }
}
