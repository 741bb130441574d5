package dev.banger.disk;

import dev.banger.ext4.E2fsTools;
import dev.banger.ext4.RealImages;
import dev.banger.kit.process.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A small Debian-shaped rootfs made with the real {@code mkfs.ext4 -d}, for disk-service tests. */
final class TestRootfs {

  static final String FSTAB =
      """
      # /etc/fstab: static file system information.
      UUID=1234 / ext4 errors=remount-ro 0 1
      /dev/vdb /home ext4 defaults 0 2
      proc /proc proc defaults 0 0
      tmpfs /run tmpfs defaults 0 0
      """;

  private TestRootfs() {}

  /**
   * Builds {@code images/<name>} (64 MiB) with /etc, /root (dotfiles, a symlink, a FIFO, a non-root
   * file).
   */
  static Path build(Path imagesDir, String name) throws IOException {
    Path stage = Files.createTempDirectory("rootfs-stage-");
    try {
      Files.createDirectories(stage.resolve("etc/ssh"));
      Files.writeString(stage.resolve("etc/fstab"), FSTAB);
      Files.writeString(stage.resolve("etc/hostname"), "template\n");
      Path root = Files.createDirectories(stage.resolve("root"));
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
      Files.writeString(root.resolve(".bashrc"), "export PS1='# '\n");
      Files.writeString(root.resolve(".profile"), "x".repeat(10_000));
      Path ssh = Files.createDirectories(root.resolve(".ssh"));
      Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
      Files.writeString(ssh.resolve("config"), "Host *\n");
      Files.createDirectories(root.resolve("projects/deep"));
      Files.writeString(root.resolve("projects/deep/notes.txt"), "hi\n");
      Files.setPosixFilePermissions(
          root.resolve("projects/deep/notes.txt"), PosixFilePermissions.fromString("rw-r-----"));
      Files.createSymbolicLink(root.resolve("link-to-etc"), Path.of("/etc"));
      RealImages.check(Command.of("mkfifo", root.resolve("a-fifo").toString()).build());
      RealImages.check(
          Command.of("chown", "1000:1000", root.resolve(".profile").toString()).build());
      Files.createDirectories(imagesDir);
      Path image = imagesDir.resolve(name);
      new E2fsTools(RealImages.RUNNER).mkfs(image, 64L << 20, stage);
      return image;
    } finally {
      RealImages.run(Command.of("rm", "-rf", stage.toString()).build());
    }
  }
}
