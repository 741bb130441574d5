package dev.banger.image.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@link UnreadableSourceTest} in a child JVM as an unprivileged user: resolves and copies
 * each argument as a kernel_path the way an import does, printing "OK" or the refusal.
 */
public final class UnreadableProbe {

  private UnreadableProbe() {}

  public static void main(String[] args) throws Exception {
    SourceFiles files = new SourceFiles(List.of(), System.getProperty("user.name"));
    Path out = Files.createTempDirectory("probe");
    for (int i = 0; i < args.length; i++) {
      Path given = Path.of(args[i]);
      try {
        Path real = files.resolve("kernel_path", given);
        files.copyFile("kernel_path", given, real, out.resolve("copy" + i), 1 << 20, () -> false);
        System.out.println("OK");
      } catch (KernelSourceException e) {
        System.out.println(e.kind() + " " + e.getMessage());
      }
    }
  }
}
