package dev.banger.cli.kernel;

import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.ImportKernelResponse;
import dev.banger.api.image.v1.Kernel;
import dev.banger.cli.CliException;
import dev.banger.cli.CliPaths;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "import",
    description =
        "Import a kernel: the host's own (--from-host), or a vmlinux or bzImage"
            + " with its initrd and modules.",
    mixinStandardHelpOptions = true)
public final class KernelImportCommand implements Callable<Integer> {
  @CommandLine.ParentCommand KernelCommand kernel;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Required with --kernel; default host-<release>.")
  String name;

  /** Exactly one source: picocli refuses both or neither as a usage error. */
  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @ArgGroup(exclusive = false, multiplicity = "1")
    FromHost host;

    @ArgGroup(exclusive = false, multiplicity = "1")
    KernelFiles files;
  }

  static final class FromHost {
    @Option(
        names = "--from-host",
        required = true,
        description = "The host's /boot/vmlinuz-<release>, initrd and /lib/modules/<release>.")
    boolean fromHost;

    @Option(
        names = "--release",
        paramLabel = "R",
        description = "With --from-host: this release (default: uname -r).")
    String release;
  }

  static final class KernelFiles {
    @Option(
        names = "--kernel",
        required = true,
        paramLabel = "PATH",
        description = "A vmlinux (ELF) or bzImage.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "PATH")
    Path initrd;

    @Option(
        names = "--modules",
        paramLabel = "PATH",
        description = "lib/modules/<release>, or a lib/modules holding it.")
    Path modules;
  }

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress.")
  boolean quiet;

  @Override
  public Integer call() {
    ImportKernelRequest.Builder req =
        ImportKernelRequest.newBuilder().setRequestId(UUID.randomUUID().toString());
    if (name != null) {
      req.setName(name);
    }
    if (source.host != null) {
      req.setFromHost(true);
      if (source.host.release != null) {
        req.setHostRelease(source.host.release);
      }
    } else {
      if (name == null) {
        throw new CliException(
            "--name is required with --kernel (--from-host names it host-<release>)", 2, null);
      }
      req.setKernelPath(CliPaths.existing("--kernel", source.files.kernel));
      if (source.files.initrd != null) {
        req.setInitrdPath(CliPaths.existing("--initrd", source.files.initrd));
      }
      if (source.files.modules != null) {
        req.setModulesPath(CliPaths.existing("--modules", source.files.modules));
      }
    }
    try (Services s = kernel.services()) {
      Kernel k =
          ProgressPrinter.drain(
              s.imageLong().importKernel(req.build()),
              (ImportKernelResponse r) -> r.hasProgress() ? r.getProgress() : null,
              ImportKernelResponse::getKernel,
              new ProgressPrinter(kernel.err(), ProgressPrinter.stderrIsTerminal(), quiet));
      kernel.out().println(k.getName());
      return 0;
    }
  }
}
