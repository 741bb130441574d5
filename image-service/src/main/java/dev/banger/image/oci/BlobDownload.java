package dev.banger.image.oci;

import dev.banger.image.flatten.DiskReserve;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * One blob download into {@code <hex>.partial}, published as {@code <hex>} by atomic rename once
 * its size and digest check out.
 *
 * <p>What is kept on failure is deliberate: a dropped connection or a cancel keeps the partial file
 * (the next attempt resumes it with a Range request, re-hashing the bytes already there); wrong
 * content (too many bytes, wrong digest) deletes it, since nothing in it can be trusted.
 *
 * <p>A blob of unknown size ({@code exactSize} false: a catalog bundle) takes the descriptor's size
 * as a ceiling instead: the download ends at the end of the body, and a body that stops early is
 * caught by the digest.
 */
final class BlobDownload {

  static final int CHUNK = 64 << 10;

  private final Descriptor blob;
  private final boolean exactSize;
  private final BlobSource source;
  private final Path partial;
  private final Path target;
  private final BlobCache.Progress progress;
  private final DiskReserve reserve;

  BlobDownload(
      Descriptor blob,
      boolean exactSize,
      BlobSource source,
      Path partial,
      Path target,
      BlobCache.Progress progress,
      DiskReserve reserve) {
    this.reserve = reserve;
    this.blob = blob;
    this.exactSize = exactSize;
    this.source = source;
    this.partial = partial;
    this.target = target;
    this.progress = progress;
  }

  private Digest.Hasher hasher;
  private long have;
  private boolean receivedAll;

  /**
   * Refuses a blob that would not fit before a byte of it is written, so a descriptor claiming a
   * terabyte fails at once instead of filling the disk with a partial file.
   */
  private void checkSpace(long toWrite) throws RegistryException {
    if (toWrite <= 0) {
      return; // the partial file is whole already: nothing to write
    }
    try {
      java.nio.file.FileStore fs = Files.getFileStore(partial.getParent());
      long free = fs.getUsableSpace();
      long keep = reserve.of(fs.getTotalSpace());
      if (toWrite > free - keep) {
        throw new RegistryException(
            RegistryException.Kind.NO_SPACE,
            what()
                + " is "
                + toWrite
                + " bytes (its descriptor says), more than the blob cache's filesystem has free ("
                + free
                + " bytes, of which "
                + keep
                + " are kept in reserve); free space or prune the image cache");
      }
    } catch (IOException e) {
      throw storage("reading the free space of " + partial.getParent(), e);
    }
  }

  void run() throws RegistryException {
    long size = blob.size();
    resume();
    if (exactSize) {
      checkSpace(size - have);
    }
    if (have < size || !exactSize) {
      receive();
    }
    if (exactSize && have < size && receivedAll && hasher.peek().equals(blob.digest())) {
      // The body ended cleanly, short of the descriptor's size, and these bytes are the whole
      // blob: the descriptor's size is wrong, and no retry can finish the download.
      deletePartial();
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          what()
              + " is "
              + have
              + " bytes, not the "
              + size
              + " its descriptor claims; the image's manifest is wrong");
    }
    if (exactSize && have < size) {
      throw new RegistryException(
          RegistryException.Kind.NETWORK,
          "the download of "
              + what()
              + " ended after "
              + have
              + " of "
              + size
              + " bytes; the next pull resumes it");
    }
    Digest got = hasher.digest();
    if (!got.equals(blob.digest())) {
      deletePartial();
      throw new RegistryException(
          RegistryException.Kind.DIGEST_MISMATCH,
          what() + " has the wrong content: expected " + blob.digest() + ", got " + got);
    }
    publish();
  }

  /** Hashes what an earlier attempt left, so the download can continue after it. */
  private void resume() throws RegistryException {
    hasher = blob.digest().newHasher();
    have = 0;
    try {
      if (!Files.exists(partial)) {
        return;
      }
      if (Files.size(partial) > blob.size()) {
        deletePartial();
        return;
      }
      try (InputStream in = Files.newInputStream(partial)) {
        byte[] buf = new byte[CHUNK];
        for (int n; (n = in.read(buf)) > 0; ) {
          hasher.update(buf, 0, n);
        }
      }
      have = hasher.count();
      progress.bytes(have, total());
    } catch (IOException e) {
      throw storage("reading the partial download " + partial, e);
    }
  }

  /** Asks for the rest of the blob and appends it to the partial file. */
  private void receive() throws RegistryException {
    try (BlobSource.Body body = source.open(blob, have)) {
      if (body.start() != have) {
        // The server ignored our Range and sends everything: start over.
        truncatePartial();
        hasher = blob.digest().newHasher();
        have = 0;
      }
      copy(body);
    } catch (IOException e) {
      // Only closing the body lands here, after its bytes were handled.
    }
  }

  /**
   * Copies {@code body} onto the partial file. A read failure keeps the file (resumable); more
   * bytes than the descriptor's size deletes it.
   */
  private void copy(BlobSource.Body body) throws RegistryException {
    long size = blob.size();
    byte[] buf = new byte[CHUNK];
    try (FileChannel out =
        FileChannel.open(
            partial,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
      while (true) {
        if (Thread.currentThread().isInterrupted()) {
          throw RegistryException.interrupted("the download of " + what(), null);
        }
        int n;
        try {
          // One byte past the size is enough to know the blob is too long; never read more.
          n = body.stream().read(buf, 0, (int) Math.min(buf.length, size + 1 - have));
        } catch (IOException e) {
          if (Thread.currentThread().isInterrupted()
              || e.getCause() instanceof InterruptedException) {
            throw RegistryException.interrupted("the download of " + what(), e);
          }
          throw new RegistryException(
              RegistryException.Kind.NETWORK,
              "the download of "
                  + what()
                  + " broke after "
                  + have
                  + " of "
                  + size
                  + " bytes ("
                  + RegistryHttp.describe(e)
                  + "); the next pull resumes it",
              e);
        }
        if (n < 0) {
          receivedAll = true;
          break;
        }
        if (have + n > size) {
          out.close();
          deletePartial();
          throw new RegistryException(
              RegistryException.Kind.DIGEST_MISMATCH,
              exactSize
                  ? what() + " is longer than the " + size + " bytes its descriptor says"
                  : what() + " is larger than the " + size + "-byte limit (image.max_total_bytes)");
        }
        ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
        hasher.update(buf, 0, n);
        have += n;
        progress.bytes(have, total());
      }
      out.force(true);
    } catch (ClosedByInterruptException e) {
      throw RegistryException.interrupted("the download of " + what(), e);
    } catch (IOException e) {
      throw storage("writing " + partial, e);
    }
  }

  private void publish() throws RegistryException {
    try {
      try {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw storage(
            "publishing " + target + " (the cache directory does not support atomic rename)", e);
      }
    } catch (IOException e) {
      throw storage("publishing " + target, e);
    }
  }

  private void truncatePartial() throws RegistryException {
    try (FileChannel c =
        FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      c.truncate(0);
    } catch (IOException e) {
      throw storage("restarting " + partial, e);
    }
  }

  private void deletePartial() {
    try {
      Files.deleteIfExists(partial);
    } catch (IOException e) {
      // Left for prune(); it cannot be mistaken for a finished blob.
    }
  }

  /** What progress reports as the total: unknown (0) for a blob of unknown size. */
  private long total() {
    return exactSize ? blob.size() : 0;
  }

  private String what() {
    return "blob " + blob.digest() + " of " + source.describe();
  }

  private static RegistryException storage(String doing, IOException e) {
    return new RegistryException(
        RegistryException.Kind.STORAGE,
        "the blob cache failed " + doing + ": " + RegistryHttp.describe(e),
        e);
  }
}
