package dev.banger.image.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.ext4.GuestPath;
import dev.banger.kit.state.DirectoryTrees;
import dev.banger.kit.text.Printable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the service says when its user may not read a path: the tests run as root, which reads
 * everything, so this one runs {@link UnreadableProbe} in a JVM as uid 65534 (nobody) via {@code
 * setpriv}, on a kernel inside a 0700 directory, as in a private home directory.
 */
class UnreadableSourceTest {

  @Test
  void aFileTheServicesUserCannotReachIsNamedWithThatUser() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "UnreadableSourceTest SKIPPED: needs root to drop to uid 65534");
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "UnreadableSourceTest SKIPPED: no setpriv (apt-get install util-linux)");
    Path root = Files.createTempDirectory("banger-unreadable");
    try {
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
      List<String> classpath = new ArrayList<>();
      int n = 0;
      // The child needs these classes and what they load; the Maven repository is not readable by
      // nobody.
      for (Class<?> c :
          List.of(UnreadableProbe.class, SourceFiles.class, Printable.class, GuestPath.class)) {
        Path from = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path to = root.resolve("cp" + n++ + (Files.isDirectory(from) ? "" : ".jar"));
        copyReadable(from, to);
        classpath.add(to.toString());
      }
      Path priv =
          Files.createDirectory(
              root.resolve("home-alice"),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path hidden = Files.write(priv.resolve("vmlinuz"), new byte[] {1, 2, 3});
      Path shown = Files.write(root.resolve("vmlinuz"), new byte[] {1, 2, 3});
      for (Path p : List.of(hidden, shown)) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
      }
      Path scratch = Files.createDirectory(root.resolve("scratch")); // where the probe's copies go
      Files.setOwner(
          scratch,
          root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
      Process p =
          new ProcessBuilder(
                  "/usr/bin/setpriv",
                  "--reuid=65534",
                  "--regid=65534",
                  "--clear-groups",
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Djava.io.tmpdir=" + scratch,
                  "-cp",
                  String.join(":", classpath),
                  UnreadableProbe.class.getName(),
                  hidden.toString(),
                  shown.toString())
              .redirectErrorStream(true)
              .start();
      org.junit.jupiter.api.Assertions.assertTrue(
          p.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not finish");
      List<String> out =
          new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
      assertEquals(
          List.of(
              "UNREADABLE cannot read kernel_path \""
                  + hidden
                  + "\" as user nobody, the service's user:"
                  + " permission denied; make it readable by that user",
              "OK"),
          out);
    } finally {
      DirectoryTrees.delete(root);
    }
  }

  private static void copyReadable(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from)) {
      Files.copy(from, to);
      Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
      return;
    }
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path f : walk.toList()) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
          Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
        } else {
          Files.copy(f, t);
          Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rw-r--r--"));
        }
      }
    }
  }
}
