package dev.banger.cli.kernel;

import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.PullKernelRequest;
import dev.banger.api.image.v1.PullKernelResponse;
import dev.banger.cli.CliException;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code banger kernel pull [ENTRY]}: Debian's kernel for a catalog entry, installed by apt from
 * the entry's mirror in image-service. With no entry, the entry of the host's own Debian release
 * ({@code debian-<codename>} from /etc/os-release), the kernel a host like this one runs.
 */
@Command(
    name = "pull",
    description =
        "Pull Debian's kernel (vmlinuz, initrd, modules) for a catalog entry from its mirror;"
            + " default the entry of this host's Debian release.",
    mixinStandardHelpOptions = true)
public final class KernelPullCommand implements Callable<Integer> {
  @CommandLine.ParentCommand KernelCommand kernel;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "ENTRY",
      description = "A catalog entry with a debian source, e.g. debian-bookworm.")
  String entry;

  @Option(names = "--name", paramLabel = "NAME", description = "The kernel's name; default ENTRY.")
  String name;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress.")
  boolean quiet;

  @Option(
      names = {"-v", "--verbose"},
      description = "Show the build tools' own output (mmdebstrap, apt) under the progress too.")
  boolean verbose;

  static final Path OS_RELEASE = Path.of("/etc/os-release");

  @Override
  public Integer call() {
    String from = entry != null ? entry : hostEntry(OS_RELEASE);
    PullKernelRequest.Builder req =
        PullKernelRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).setEntry(from);
    if (name != null) {
      req.setName(name);
    }
    try (Services s = kernel.services()) {
      Kernel k =
          ProgressPrinter.drain(
              s.imageLong().pullKernel(req.build()),
              (PullKernelResponse r) -> r.hasProgress() ? r.getProgress() : null,
              PullKernelResponse::getKernel,
              new ProgressPrinter(kernel.err(), ProgressPrinter.stderrIsTerminal(), quiet)
                  .verbose(verbose));
      kernel.out().println(k.getName());
      return 0;
    }
  }

  /** {@code debian-<VERSION_CODENAME>} of a Debian host; a usage error elsewhere. */
  static String hostEntry(Path osRelease) {
    Optional<String> id = Optional.empty();
    Optional<String> codename = Optional.empty();
    try {
      for (String line : Files.readAllLines(osRelease)) {
        if (line.startsWith("ID=")) {
          id = Optional.of(unquote(line.substring(3)));
        } else if (line.startsWith("VERSION_CODENAME=")) {
          codename = Optional.of(unquote(line.substring("VERSION_CODENAME=".length())));
        }
      }
    } catch (IOException e) {
      // Told below, as for a host that is not Debian.
    }
    if (id.filter("debian"::equals).isPresent()
        && codename.filter(c -> c.matches("[a-z][a-z0-9-]{0,31}")).isPresent()) {
      return "debian-" + codename.get();
    }
    throw new CliException(
        "this host is not a Debian release banger can name (from "
            + osRelease
            + "); give the catalog entry, e.g. 'banger kernel pull debian-bookworm'",
        2,
        null);
  }

  private static String unquote(String v) {
    String s = v.strip();
    return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")
        ? s.substring(1, s.length() - 1)
        : s;
  }
}
