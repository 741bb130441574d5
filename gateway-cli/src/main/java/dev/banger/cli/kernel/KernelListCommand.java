package dev.banger.cli.kernel;

import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.api.image.v1.ListKernelsResponse;
import dev.banger.cli.Output;
import dev.banger.cli.Services;
import dev.banger.cli.image.ImageCommand;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "list",
    aliases = "ls",
    description = "List kernels.",
    mixinStandardHelpOptions = true)
public final class KernelListCommand implements Callable<Integer> {
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
          KernelCommand.orDash(k.getVersion()),
          k.getInitrdPath().isEmpty() ? "no" : "yes",
          k.getModulesPath().isEmpty() ? "no" : "yes",
          ImageCommand.created(k.getCreateTime()));
    }
    return 0;
  }
}
