package dev.banger.vm.ssh;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The two file disciplines the SSH files need. Writers hold a lock (one per path in this JVM,
 * because a {@link FileLock} is per process and throws when two threads of one JVM take it, plus a
 * {@code flock} on a lock file beside the target, against another process such as a second
 * vm-service). Contents are replaced by writing a temporary file in the same directory and renaming
 * it over the target, so OpenSSH reading the file concurrently sees the old or the new whole file,
 * never half of one.
 */
final class LockedFiles {

  @FunctionalInterface
  interface Body<T> {
    T run() throws IOException;
  }

  // Few paths ever (one identity, one known_hosts per daemon): the map is never pruned.
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private LockedFiles() {}

  /** Runs {@code body} holding the JVM lock and the file lock for {@code lockFile}. */
  static <T> T withLock(Path lockFile, Body<T> body) throws IOException {
    Path key = lockFile.toAbsolutePath().normalize();
    ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(key, k -> new ReentrantLock());
    jvm.lock();
    try (FileChannel ch =
            FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock ignored = ch.lock()) {
      return body.run();
    } finally {
      jvm.unlock();
    }
  }

  /**
   * Replaces {@code target} with {@code content} atomically. The temporary file is created with
   * {@code perms} already set, so a private key is never readable by others, not even briefly.
   */
  static void replace(Path target, byte[] content, String perms) throws IOException {
    Set<PosixFilePermission> p = PosixFilePermissions.fromString(perms);
    Path tmp =
        Files.createTempFile(
            target.getParent(),
            "." + target.getFileName() + ".",
            ".tmp",
            PosixFilePermissions.asFileAttribute(p));
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(java.nio.ByteBuffer.wrap(content));
        ch.force(true);
      }
      // createTempFile's attribute is filtered by the umask; set the mode exactly.
      Files.setPosixFilePermissions(tmp, p);
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically: " + e.getMessage(), e);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
