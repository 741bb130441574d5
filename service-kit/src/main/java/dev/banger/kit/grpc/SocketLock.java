package dev.banger.kit.grpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock beside a socket ({@code vm.sock.lock}) held for the server's whole life.
 * It is how a second server on the same socket is refused, and how a socket file left by a
 * crashed server is told apart from a live one: if we hold the lock, nobody serves that socket.
 * The kernel drops the lock when the holder dies, so a kill -9 never leaves it stuck.
 */
final class SocketLock implements AutoCloseable {

  private final Path lockPath;
  private final FileChannel channel;
  private final FileLock lock;

  private SocketLock(Path lockPath, FileChannel channel, FileLock lock) {
    this.lockPath = lockPath;
    this.channel = channel;
    this.lock = lock;
  }

  static SocketLock acquire(Path socket) throws IOException, SocketInUseException {
    Path lockPath = socket.resolveSibling(socket.getFileName() + ".lock");
    FileChannel ch = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException e) {
      // This very process already serves it (two services configured onto one socket).
      lock = null;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      String holder = readHolder(ch);
      ch.close();
      throw new SocketInUseException(socket, holder);
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    ch.force(false);
    return new SocketLock(lockPath, ch, lock);
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

  /** Removes the lock file, then lets go: a waiting server then creates a fresh one. */
  @Override
  public void close() throws IOException {
    try {
      Files.deleteIfExists(lockPath);
    } finally {
      lock.release();
      channel.close();
    }
  }
}
