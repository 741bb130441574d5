package dev.banger.cli;

import dev.banger.api.image.v1.DeleteKernelRequest;
import dev.banger.api.image.v1.GetKernelRequest;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.ImportKernelResponse;
import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.api.image.v1.ListKernelsResponse;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code banger kernel …}: guest kernels (image-service). */
@Command(
    name = "kernel",
    description = "Import, list and delete guest kernels.",
    mixinStandardHelpOptions = true)
final class KernelCommand extends CommandGroup {

  static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }

  @Command(
      name = "import",
      description =
          "Import a kernel: the host's own (--from-host), or a vmlinux or bzImage"
              + " with its initrd and modules.",
      mixinStandardHelpOptions = true)
  static final class Import implements Callable<Integer> {
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
                new ProgressPrinter(
                    kernel.spec.commandLine().getErr(), ProgressPrinter.stderrIsTerminal(), quiet));
        kernel.out().println(k.getName());
        return 0;
      }
    }
  }

  @Command(
      name = "list",
      aliases = "ls",
      description = "List kernels.",
      mixinStandardHelpOptions = true)
  static final class ListKernels implements Callable<Integer> {
    @CommandLine.ParentCommand KernelCommand kernel;
    @Mixin Output output;

    @Option(
        names = {"-q", "--quiet"},
        description = "Names only, one per line (for scripts).")
    boolean quiet;

    @Override
    public Integer call() {
      boolean json = output.json();
      List<Kernel> all = new ArrayList<>();
      try (Services s = kernel.services()) {
        String token = "";
        do {
          ListKernelsResponse r =
              s.image().listKernels(ListKernelsRequest.newBuilder().setPageToken(token).build());
          all.addAll(r.getKernelsList());
          token = r.getNextPageToken();
        } while (!token.isEmpty());
      }
      PrintWriter out = kernel.out();
      if (quiet) {
        all.forEach(k -> out.println(k.getName()));
        return 0;
      }
      if (json) {
        out.println(output.render(all));
        return 0;
      }
      out.printf("%-24s %-24s %-6s %-7s  %s%n", "NAME", "RELEASE", "INITRD", "MODULES", "CREATED");
      for (Kernel k : all) {
        out.printf(
            "%-24s %-24s %-6s %-7s  %s%n",
            k.getName(),
            orDash(k.getVersion()),
            k.getInitrdPath().isEmpty() ? "no" : "yes",
            k.getModulesPath().isEmpty() ? "no" : "yes",
            ImageCommand.created(k.getCreateTime()));
      }
      return 0;
    }
  }

  @Command(name = "show", description = "Show one kernel.", mixinStandardHelpOptions = true)
  static final class Show implements Callable<Integer> {
    @CommandLine.ParentCommand KernelCommand kernel;
    @Mixin Output output;

    @Parameters(index = "0", paramLabel = "KERNEL", description = "Kernel name or id.")
    String ref;

    @Override
    public Integer call() {
      boolean json = output.json();
      Kernel k;
      try (Services s = kernel.services()) {
        k = s.image().getKernel(GetKernelRequest.newBuilder().setKernel(ref).build()).getKernel();
      }
      PrintWriter out = kernel.out();
      if (json) {
        out.println(output.render(k));
        return 0;
      }
      out.printf(
          "name:     %s%nid:       %s%nrelease:  %s%n",
          k.getName(), k.getId(), orDash(k.getVersion()));
      out.printf(
          "vmlinux:  %s%nbzImage:  %s%ninitrd:   %s%nmodules:  %s%n",
          orDash(k.getVmlinuxPath()),
          orDash(k.getBzimagePath()),
          orDash(k.getInitrdPath()),
          orDash(k.getModulesPath()));
      out.printf("created:  %s%n", ImageCommand.created(k.getCreateTime()));
      return 0;
    }
  }

  @Command(
      name = "delete",
      aliases = "rm",
      description = "Delete kernels.",
      mixinStandardHelpOptions = true)
  static final class Delete implements Callable<Integer> {
    @CommandLine.ParentCommand KernelCommand kernel;

    @Parameters(arity = "1..*", paramLabel = "KERNEL", description = "Kernel names or ids.")
    List<String> refs;

    @Option(
        names = {"-f", "--force"},
        description = "Delete even while images name it as their default kernel.")
    boolean force;

    @Override
    public Integer call() {
      try (Services s = kernel.services()) {
        return FanOut.each(
            refs,
            ref -> {
              s.image()
                  .deleteKernel(
                      DeleteKernelRequest.newBuilder()
                          .setKernel(ref)
                          .setForce(force)
                          .setRequestId(UUID.randomUUID().toString())
                          .build());
              return ref + " deleted";
            },
            kernel.out(),
            kernel.spec.commandLine().getErr(),
            kernel.parent.debug);
      }
    }
  }
}
