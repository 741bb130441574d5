package dev.banger.disk.copy;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The three Linux file calls the JDK does not expose, through the FFM API: {@code open}, {@code
 * ioctl(FICLONE)} (reflink), and {@code lseek(SEEK_DATA/SEEK_HOLE)} (finding a sparse file's
 * allocated extents). No JNI library, no subprocess.
 */
final class NativeFiles {

  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_CLOEXEC = 02000000;
  static final int SEEK_END = 2;
  static final int SEEK_DATA = 3;
  static final int SEEK_HOLE = 4;

  /** {@code _IOW(0x94, 9, int)} from linux/fs.h. */
  static final long FICLONE = 0x40049409L;

  static final int EXDEV = 18;
  static final int ENXIO = 6;
  static final int EEXIST = 17;
  static final int EINVAL = 22;
  static final int ENOTTY = 25;
  static final int EOPNOTSUPP = 95;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");

  private static final MethodHandle OPEN =
      handle(
          "open",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
          Linker.Option.firstVariadicArg(2),
          ERRNO_OPT);
  private static final MethodHandle CLOSE =
      handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO_OPT);
  private static final MethodHandle IOCTL =
      handle(
          "ioctl",
          FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT),
          Linker.Option.firstVariadicArg(2),
          ERRNO_OPT);
  private static final MethodHandle LSEEK =
      handle("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), ERRNO_OPT);

  private NativeFiles() {}

  // Restricted by design (FFM): the launchers and surefire pass --enable-native-access.
  @SuppressWarnings("restricted")
  private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... opts) {
    MemorySegment sym =
        LINKER
            .defaultLookup()
            .find(name)
            .orElseThrow(() -> new IllegalStateException("libc has no " + name));
    return LINKER.downcallHandle(sym, fd, opts);
  }

  /** An errno-carrying failure of a native call. */
  static final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;
    final int errno;

    ErrnoException(String call, Path path, int errno) {
      super(call + " " + path + " failed: errno " + errno);
      this.errno = errno;
    }
  }

  /** An open file descriptor, closed once. */
  static final class Fd implements AutoCloseable {
    final int fd;
    private final Path path;
    private boolean closed;

    private Fd(int fd, Path path) {
      this.fd = fd;
      this.path = path;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try (Arena a = Arena.ofConfined()) {
        MemorySegment st = a.allocate(CAPTURE);
        int rc = (int) CLOSE.invokeExact(st, fd);
        if (rc != 0) {
          throw new ErrnoException("close", path, (int) ERRNO.get(st, 0L));
        }
      } catch (IOException e) {
        throw e;
      } catch (Throwable t) {
        throw new IOException("close " + path, t);
      }
    }
  }

  static Fd open(Path path, int flags, int mode) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CAPTURE);
      MemorySegment name = a.allocateFrom(path.toString());
      int fd = (int) OPEN.invokeExact(st, name, flags | O_CLOEXEC, mode);
      if (fd < 0) {
        throw new ErrnoException("open", path, (int) ERRNO.get(st, 0L));
      }
      return new Fd(fd, path);
    } catch (IOException e) {
      throw e;
    } catch (Throwable t) {
      throw new IOException("open " + path, t);
    }
  }

  /** {@code ioctl(dst, FICLONE, src)}: returns 0 or the errno. */
  static int ficlone(Fd dst, Fd src) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CAPTURE);
      int rc = (int) IOCTL.invokeExact(st, dst.fd, FICLONE, src.fd);
      return rc == 0 ? 0 : (int) ERRNO.get(st, 0L);
    } catch (Throwable t) {
      throw new IOException("ioctl FICLONE", t);
    }
  }

  /** {@code lseek}; returns the offset, or {@code -errno} on failure. */
  static long lseek(Fd fd, long offset, int whence) throws IOException {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment st = a.allocate(CAPTURE);
      long rc = (long) LSEEK.invokeExact(st, fd.fd, offset, whence);
      return rc >= 0 ? rc : -(int) ERRNO.get(st, 0L);
    } catch (Throwable t) {
      throw new IOException("lseek", t);
    }
  }
}
