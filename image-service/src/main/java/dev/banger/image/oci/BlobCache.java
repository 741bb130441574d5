package dev.banger.image.oci;

import dev.banger.image.flatten.DiskReserve;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Blobs by digest under one directory: {@code blobs/<algorithm>/<hex>} is a finished, verified
 * blob; {@code <hex>.partial} is a download in progress or interrupted. A finished blob is reused
 * without touching the network.
 *
 * <p>Requests for the same digest within this process share one download: the first caller
 * downloads, later callers wait on its future. The cache assumes one process owns the directory
 * (image-service), so there is no cross-process lock.
 */
public final class BlobCache {

  /** Bytes of one blob so far. Called on the downloading thread, once per chunk. */
  @FunctionalInterface
  public interface Progress {
    void bytes(long done, long total);

    Progress NONE = (done, total) -> {};
  }

  private static final String PARTIAL = ".partial";

  private final Path dir;
  private final DiskReserve reserve;
  private final Map<Digest, CompletableFuture<Path>> inFlight = new ConcurrentHashMap<>();

  public BlobCache(Path dir) {
    this(dir, DiskReserve.DEFAULT);
  }

  /**
   * @param reserve what a download leaves free on the cache's filesystem
   */
  public BlobCache(Path dir, DiskReserve reserve) {
    this.dir = Objects.requireNonNull(dir, "dir");
    this.reserve = Objects.requireNonNull(reserve, "reserve");
  }

  public Path directory() {
    return dir;
  }

  /** Where the finished blob lives (whether or not it is there yet). */
  public Path path(Digest digest) {
    return dir.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
  }

  public boolean contains(Digest digest) {
    return Files.isRegularFile(path(digest));
  }

  /**
   * The blob's file, downloading it from {@code source} first unless already cached.
   *
   * @throws RegistryException DIGEST_MISMATCH (nothing published, partial deleted), NETWORK
   *     (partial kept for resume), CANCELLED (partial kept), or the source's own errors
   */
  public Path fetch(Descriptor blob, BlobSource source, Progress progress)
      throws RegistryException {
    return fetch(blob, true, source, progress);
  }

  /**
   * The same for a blob whose size is not known in advance (a catalog bundle pinned by URL and
   * digest only): the download stops with DIGEST_MISMATCH, and the partial file goes, once it
   * passes {@code maxBytes}. Progress reports a total of 0 (unknown) until the end.
   */
  public Path fetchUpTo(Digest digest, long maxBytes, BlobSource source, Progress progress)
      throws RegistryException {
    return fetch(
        new Descriptor("application/octet-stream", digest, maxBytes), false, source, progress);
  }

  private Path fetch(Descriptor blob, boolean exactSize, BlobSource source, Progress progress)
      throws RegistryException {
    Path target = path(blob.digest());
    while (true) {
      if (Files.isRegularFile(target)) {
        long size = exactSize ? blob.size() : sizeOf(target);
        progress.bytes(size, size);
        return target;
      }
      CompletableFuture<Path> mine = new CompletableFuture<>();
      CompletableFuture<Path> running = inFlight.putIfAbsent(blob.digest(), mine);
      if (running == null) {
        return download(blob, exactSize, source, progress, target, mine);
      }
      try {
        Path p = running.get();
        long size = exactSize ? blob.size() : sizeOf(p);
        progress.bytes(size, size);
        return p;
      } catch (InterruptedException e) {
        throw RegistryException.interrupted("waiting for " + blob.digest(), e);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RegistryException re)) {
          throw new IllegalStateException(
              "download of " + blob.digest() + " failed unexpectedly", e.getCause());
        }
        // The other caller was cancelled, not us: try again (we may become the downloader).
        if (re.kind() != RegistryException.Kind.CANCELLED) {
          throw new RegistryException(re.kind(), re.getMessage(), re);
        }
      }
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  private Path download(
      Descriptor blob,
      boolean exactSize,
      BlobSource source,
      Progress progress,
      Path target,
      CompletableFuture<Path> mine)
      throws RegistryException {
    try {
      Files.createDirectories(target.getParent());
      new BlobDownload(
              blob, exactSize, source, partialPath(blob.digest()), target, progress, reserve)
          .run();
      // Removed before completing, so a caller arriving now sees either the future or the file.
      inFlight.remove(blob.digest(), mine);
      mine.complete(target);
      return target;
    } catch (RegistryException | RuntimeException e) {
      inFlight.remove(blob.digest(), mine);
      mine.completeExceptionally(e);
      throw e;
    } catch (IOException e) {
      RegistryException re =
          new RegistryException(
              RegistryException.Kind.STORAGE,
              "the blob cache cannot create "
                  + target.getParent()
                  + ": "
                  + RegistryHttp.describe(e),
              e);
      inFlight.remove(blob.digest(), mine);
      mine.completeExceptionally(re);
      throw re;
    }
  }

  Path partialPath(Digest digest) {
    Path p = path(digest);
    return p.resolveSibling(p.getFileName() + PARTIAL);
  }

  /**
   * Deletes every finished blob not in {@code keep}, and every partial download not in progress
   * right now. Files that are not named like blobs are left alone.
   *
   * @return bytes freed and files (blobs and partial downloads) removed
   */
  public Pruned prune(Set<Digest> keep) throws IOException {
    Path blobs = dir.resolve("blobs");
    if (!Files.isDirectory(blobs)) {
      return new Pruned(0, 0);
    }
    long freed = 0;
    int removed = 0;
    try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(blobs, Files::isDirectory)) {
      for (Path algDir : algorithms) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(algDir)) {
          for (Path f : files) {
            long size = pruneOne(algDir.getFileName().toString(), f, keep);
            if (size >= 0) {
              freed += size;
              removed++;
            }
          }
        }
      }
    }
    return new Pruned(freed, removed);
  }

  /** What {@link #prune} did. */
  public record Pruned(long bytesFreed, int filesRemoved) {}

  /** Bytes freed by deleting {@code f}, or -1 when it is kept (or was not ours, or is gone). */
  private long pruneOne(String algorithm, Path f, Set<Digest> keep) throws IOException {
    if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return -1;
    }
    String name = f.getFileName().toString();
    boolean partial = name.endsWith(PARTIAL);
    Digest d;
    try {
      d =
          new Digest(
              algorithm, partial ? name.substring(0, name.length() - PARTIAL.length()) : name);
    } catch (IllegalArgumentException e) {
      return -1;
    }
    if (partial ? inFlight.containsKey(d) : keep.contains(d)) {
      return -1;
    }
    try {
      long size = Files.size(f);
      Files.delete(f);
      return size;
    } catch (NoSuchFileException e) {
      return -1;
    }
  }
}
