package dev.banger.disk.copy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Copies a disk image the cheapest way the host filesystem allows: a reflink clone ({@code
 * FICLONE}, constant time on XFS/btrfs) when it can, else a sparse copy that moves only the
 * source's allocated extents (found with {@code SEEK_DATA}/{@code SEEK_HOLE}) with in-kernel {@code
 * copy_file_range} (the JDK's {@code transferTo}) and leaves holes as holes. The destination must
 * not exist; on failure it is removed.
 */
public final class FileCloner {

  public enum Method {
    REFLINK,
    SPARSE_COPY
  }

  /** How the copy was made, and how many bytes it moved (0 for a reflink). */
  public record Result(Method method, long bytesCopied) {}

  /**
   * Copies {@code src} to new file {@code dst} with mode 0600; an existing {@code dst} is refused,
   * untouched.
   */
  public Result copy(Path src, Path dst, boolean allowReflink) throws IOException {
    try (NativeFiles.Fd in = NativeFiles.open(src, NativeFiles.O_RDONLY, 0)) {
      NativeFiles.Fd out;
      try {
        out =
            NativeFiles.open(
                dst, NativeFiles.O_WRONLY | NativeFiles.O_CREAT | NativeFiles.O_EXCL, 0600);
      } catch (NativeFiles.ErrnoException e) {
        if (e.errno == NativeFiles.EEXIST) {
          throw new FileAlreadyExistsException(dst.toString());
        }
        throw e;
      }
      // From here on dst is ours: any failure removes it.
      boolean done = false;
      try (out) {
        Result r = copyInto(in, out, src, dst, allowReflink);
        done = true;
        return r;
      } finally {
        if (!done) {
          Files.deleteIfExists(dst);
        }
      }
    }
  }

  private Result copyInto(
      NativeFiles.Fd in, NativeFiles.Fd out, Path src, Path dst, boolean allowReflink)
      throws IOException {
    if (allowReflink) {
      int errno = NativeFiles.ficlone(out, in);
      if (errno == 0) {
        return new Result(Method.REFLINK, 0);
      }
      if (!reflinkUnsupported(errno)) {
        throw new NativeFiles.ErrnoException("FICLONE to", dst, errno);
      }
    }
    return sparseCopy(in, src, dst);
  }

  /**
   * True when this host filesystem is known to clone: probes with two scratch files in {@code dir}.
   */
  public boolean reflinkSupported(Path dir) {
    Path a = dir.resolve(".reflink-probe-a");
    Path b = dir.resolve(".reflink-probe-b");
    try {
      Files.deleteIfExists(a);
      Files.deleteIfExists(b);
      Files.write(a, new byte[4096]);
      try (NativeFiles.Fd in = NativeFiles.open(a, NativeFiles.O_RDONLY, 0);
          NativeFiles.Fd out =
              NativeFiles.open(
                  b, NativeFiles.O_WRONLY | NativeFiles.O_CREAT | NativeFiles.O_EXCL, 0600)) {
        return NativeFiles.ficlone(out, in) == 0;
      }
    } catch (IOException e) {
      return false;
    } finally {
      try {
        Files.deleteIfExists(a);
        Files.deleteIfExists(b);
      } catch (IOException ignored) {
        // a probe file left in a state directory is harmless and overwritten by the next probe
      }
    }
  }

  static boolean reflinkUnsupported(int errno) {
    return errno == NativeFiles.EOPNOTSUPP
        || errno == NativeFiles.EXDEV
        || errno == NativeFiles.EINVAL
        || errno == NativeFiles.ENOTTY;
  }

  private static Result sparseCopy(NativeFiles.Fd in, Path src, Path dst) throws IOException {
    long size = NativeFiles.lseek(in, 0, NativeFiles.SEEK_END);
    if (size < 0) {
      throw new NativeFiles.ErrnoException("lseek", src, (int) -size);
    }
    long copied = 0;
    try (FileChannel r = FileChannel.open(src, StandardOpenOption.READ);
        FileChannel w = FileChannel.open(dst, StandardOpenOption.WRITE)) {
      long off = 0;
      while (off < size) {
        long data = NativeFiles.lseek(in, off, NativeFiles.SEEK_DATA);
        if (data == -NativeFiles.ENXIO) {
          break; // only a hole remains
        }
        if (data < 0) {
          throw new NativeFiles.ErrnoException("lseek SEEK_DATA", src, (int) -data);
        }
        long hole = NativeFiles.lseek(in, data, NativeFiles.SEEK_HOLE);
        if (hole < 0) {
          throw new NativeFiles.ErrnoException("lseek SEEK_HOLE", src, (int) -hole);
        }
        long pos = data;
        while (pos < hole) {
          long n = r.transferTo(pos, hole - pos, w.position(pos));
          if (n <= 0) {
            throw new IOException(src + " shrank while being copied");
          }
          pos += n;
        }
        copied += hole - data;
        off = hole;
      }
      // Trailing holes: extend without writing.
      if (w.size() < size) {
        try (var raf = new java.io.RandomAccessFile(dst.toFile(), "rw")) {
          raf.setLength(size);
        }
      }
    }
    return new Result(Method.SPARSE_COPY, copied);
  }
}
