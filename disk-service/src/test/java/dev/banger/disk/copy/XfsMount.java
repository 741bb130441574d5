package dev.banger.disk.copy;

import dev.banger.ext4.RealImages;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real reflink-capable filesystem for tests: a sparse file formatted as XFS with {@code
 * reflink=1}, loop-mounted under the test's temp dir and unmounted on close. Needs root, loop
 * devices and {@code mkfs.xfs} (xfsprogs, which .ci/run installs).
 */
public final class XfsMount implements AutoCloseable {

  private final Path mountPoint;

  private XfsMount(Path mountPoint) {
    this.mountPoint = mountPoint;
  }

  public Path path() {
    return mountPoint;
  }

  public static String whyUnavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "SKIPPED: reflink tests need root to loop-mount an XFS image";
    }
    return "SKIPPED: mkfs.xfs (xfsprogs) or loop devices unavailable; .ci/run installs xfsprogs";
  }

  /** Mounts a fresh 512 MiB XFS, or returns null when this host cannot. */
  public static XfsMount create(Path dir) throws Exception {
    if (!"root".equals(System.getProperty("user.name"))
        || !Files.isExecutable(Path.of("/sbin/mkfs.xfs"))) {
      System.err.println(whyUnavailable());
      return null;
    }
    Path img = dir.resolve("xfs.img");
    try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
      f.setLength(512L << 20);
    }
    RealImages.check(Command.of("mkfs.xfs", "-q", "-f", "-m", "reflink=1", img.toString()).build());
    Path mnt = Files.createDirectories(dir.resolve("xfs"));
    CommandResult r =
        RealImages.run(Command.of("mount", "-o", "loop", img.toString(), mnt.toString()).build());
    if (!r.succeeded()) {
      System.err.println(whyUnavailable() + ": " + r.stderrText());
      return null;
    }
    return new XfsMount(mnt);
  }

  @Override
  public void close() {
    RealImages.check(Command.of("umount", mountPoint.toString()).build());
  }
}
