package dev.banger.cli.kernel;

import dev.banger.api.image.v1.GetKernelRequest;
import dev.banger.api.image.v1.Kernel;
import dev.banger.cli.Output;
import dev.banger.cli.Services;
import dev.banger.cli.image.ImageCommand;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "show", description = "Show one kernel.", mixinStandardHelpOptions = true)
public final class KernelShowCommand implements Callable<Integer> {
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
        k.getName(), k.getId(), KernelCommand.orDash(k.getVersion()));
    out.printf(
        "vmlinux:  %s%nbzImage:  %s%ninitrd:   %s%nmodules:  %s%n",
        KernelCommand.orDash(k.getVmlinuxPath()),
        KernelCommand.orDash(k.getBzimagePath()),
        KernelCommand.orDash(k.getInitrdPath()),
        KernelCommand.orDash(k.getModulesPath()));
    out.printf("created:  %s%n", ImageCommand.created(k.getCreateTime()));
    return 0;
  }
}
