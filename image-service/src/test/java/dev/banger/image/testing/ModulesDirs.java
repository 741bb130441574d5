package dev.banger.image.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Small synthetic {@code lib/modules/<release>} trees, and the host's kernel for real-kernel tests.
 */
public final class ModulesDirs {

  private ModulesDirs() {}

  /**
   * {@code <parent>/lib/modules/<release>/} with {@code kernel/drivers/test.ko} (0644), {@code
   * modules.dep}, a relative link {@code kernel/alias.ko -> drivers/test.ko} and the top-level
   * {@code build -> /usr/src/linux-headers-<release>} link Debian's headers make.
   */
  public static Path make(Path parent, String release) throws IOException {
    Path tree = Files.createDirectories(parent.resolve("lib/modules").resolve(release));
    Path drivers = Files.createDirectories(tree.resolve("kernel/drivers"));
    Files.writeString(drivers.resolve("test.ko"), "\u007fELF module for " + release);
    Files.setPosixFilePermissions(
        drivers.resolve("test.ko"), PosixFilePermissions.fromString("rw-r--r--"));
    Files.writeString(tree.resolve("modules.dep"), "kernel/drivers/test.ko:\n");
    Files.createSymbolicLink(tree.resolve("kernel/alias.ko"), Path.of("drivers/test.ko"));
    Files.createSymbolicLink(tree.resolve("build"), Path.of("/usr/src/linux-headers-" + release));
    return tree;
  }

  /** The newest {@code /boot/vmlinuz-*}'s release, if a Debian kernel is installed. */
  public static Optional<String> hostKernelRelease() throws IOException {
    Path boot = Path.of("/boot");
    if (!Files.isDirectory(boot)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(boot)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("vmlinuz-"))
          .sorted()
          .reduce((a, b) -> b)
          .map(n -> n.substring("vmlinuz-".length()));
    }
  }
}
