package dev.banger.kit.grpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock beside a socket ({@code vm.sock.lock}) held for the server's whole life. It is
 * how a second server on the same socket is refused, and how a socket file left by a crashed server
 * is told apart from a live one: if we hold the lock, nobody serves that socket. The kernel drops
 * the lock when the holder dies, so a kill -9 never leaves it stuck.
 *
 * <p>Two rules keep it sound:
 *
 * <ul>
 *   <li>The lock file is never deleted. Deleting before releasing lets a process that opened the
 *       old file lock it while a third locks a new file at the same path: two owners. It is a few
 *       bytes in the run directory and holds only the last holder's pid.
 *   <li>A JVM never opens a second channel on a lock file it already holds: these are POSIX record
 *       locks ({@link FileChannel#tryLock}), and closing <em>any</em> channel of the process on
 *       that file would release the lock. Locks held here are tracked in-process.
 * </ul>
 */
final class SocketLock implements AutoCloseable {

  private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

  private final Path lockPath;
  // Owns the lock: closing it releases the lock.
  private final FileChannel channel;

  private SocketLock(Path lockPath, FileChannel channel) {
    this.lockPath = lockPath;
    this.channel = channel;
  }

  static SocketLock acquire(Path socket) throws IOException, SocketInUseException {
    Path lockPath =
        socket.resolveSibling(socket.getFileName() + ".lock").toAbsolutePath().normalize();
    if (!HELD_HERE.add(lockPath)) {
      throw new SocketInUseException(socket, Long.toString(ProcessHandle.current().pid()));
    }
    FileChannel ch = null;
    try {
      ch =
          FileChannel.open(
              lockPath,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      if (ch.tryLock() == null) {
        throw new SocketInUseException(socket, readHolder(ch));
      }
      ch.truncate(0);
      ch.write(
          ByteBuffer.wrap(
              (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
          0);
      ch.force(false);
      return new SocketLock(lockPath, ch);
    } catch (IOException | SocketInUseException | RuntimeException e) {
      if (ch != null) {
        try {
          ch.close(); // also drops the lock if we got it
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      HELD_HERE.remove(lockPath);
      throw e;
    }
  }

  private static String readHolder(FileChannel ch) {
    try {
      ByteBuffer buf = ByteBuffer.allocate(32);
      ch.read(buf, 0);
      return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      return "";
    }
  }

  /** Lets go of the lock; the file stays (see the class comment). */
  @Override
  public void close() throws IOException {
    try {
      channel.close(); // releases the lock
    } finally {
      HELD_HERE.remove(lockPath);
    }
  }
}
