package dev.banger.cli.vm;

import dev.banger.api.vm.v1.GetVmStatsRequest;
import dev.banger.api.vm.v1.GetVmStatsResponse;
import dev.banger.cli.Output;
import dev.banger.cli.Services;
import dev.banger.cli.Sizes;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code banger vm stats NAME}: the VMM's CPU and memory, and what the disks hold. */
@Command(name = "stats", description = "Show a VM's resource use.", mixinStandardHelpOptions = true)
public final class VmStatsCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmCommand vm;
  @Mixin Output output;

  @Parameters(index = "0", paramLabel = "VM")
  String ref;

  @Override
  public Integer call() {
    boolean json = output.json();
    GetVmStatsResponse r;
    try (Services s = vm.services()) {
      r = s.vm().getVmStats(GetVmStatsRequest.newBuilder().setVm(ref).build());
    }
    if (json) {
      vm.out().println(output.render(r));
    } else {
      vm.out()
          .printf(
              "cpu %.1f s  memory %s  work disk %s  overlay %s%n",
              r.getCpuSeconds(),
              Sizes.human(r.getMemoryRssBytes()),
              Sizes.human(r.getWorkDiskUsedBytes()),
              Sizes.human(r.getOverlayUsedBytes()));
    }
    return 0;
  }
}
