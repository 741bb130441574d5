package dev.banger.vm.fakes;

import dev.banger.vm.ports.SnapshotDiskPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * disk-service's snapshot copies as real small files under a test directory, made and removed as
 * disk-service does (a directory per snapshot; removal leaves it while other files are in it).
 */
public final class FakeSnapshotDisks implements SnapshotDiskPort {

  private final FakeHost host;
  private final Path root;

  public FakeSnapshotDisks(FakeHost host, Path root) {
    this.host = host;
    this.root = root;
  }

  @Override
  public Copies copy(String vmId, String snapshotId) {
    host.call("copySnapshotDisks");
    try {
      Path dir = Files.createDirectories(root.resolve(snapshotId));
      Files.writeString(dir.resolve("rootfs.ext4"), "overlay of " + vmId);
      Files.writeString(dir.resolve("work.ext4"), "work disk of " + vmId);
      Path state = Files.createDirectories(dir.resolve("state"));
      return new Copies(
          dir, dir.resolve("rootfs.ext4"), Optional.of(dir.resolve("work.ext4")), state);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void remove(String snapshotId) {
    host.call("removeSnapshotDisks");
    Path dir = root.resolve(snapshotId);
    try {
      Files.deleteIfExists(dir.resolve("rootfs.ext4"));
      Files.deleteIfExists(dir.resolve("work.ext4"));
      Files.deleteIfExists(dir.resolve("state"));
      Files.deleteIfExists(dir);
    } catch (DirectoryNotEmptyException e) {
      // vm-service's files are still there: disk-service leaves the directory too
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Snapshot directories left. */
  public long left() throws IOException {
    if (!Files.isDirectory(root)) {
      return 0;
    }
    try (var s = Files.list(root)) {
      return s.count();
    }
  }
}
