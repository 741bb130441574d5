package dev.banger.cli.vm;

import dev.banger.api.vm.v1.SetVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.CliException;
import dev.banger.cli.Services;
import dev.banger.cli.Sizes;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "set",
    description =
        "Change a stopped VM's vCPUs, memory or work disk size (for its next start; the disk"
            + " only grows, files kept).",
    mixinStandardHelpOptions = true)
public final class VmSetCommand implements Callable<Integer> {
  @CommandLine.ParentCommand VmCommand vm;

  @Parameters(index = "0", paramLabel = "VM")
  String ref;

  @Option(names = "--vcpu")
  Integer vcpu;

  @Option(names = "--memory", paramLabel = "SIZE", description = "e.g. 2G; a plain number is MiB.")
  String memory;

  @Option(
      names = "--disk-size",
      paramLabel = "SIZE",
      description = "A larger work disk (/root), e.g. 16G; grown at the next start.")
  String diskSize;

  @Override
  public Integer call() {
    if (vcpu == null && memory == null && diskSize == null) {
      throw new CliException("say what to change: --vcpu, --memory and/or --disk-size", 2, null);
    }
    SetVmRequest.Builder b =
        SetVmRequest.newBuilder().setVm(ref).setRequestId(UUID.randomUUID().toString());
    if (vcpu != null) {
      b.setVcpu(vcpu);
    }
    if (memory != null) {
      b.setMemoryMib(
          (int) (Sizes.bytes("--memory", memory.matches("[0-9]+") ? memory + "M" : memory) >> 20));
    }
    if (diskSize != null) {
      b.setWorkDiskBytes(Sizes.bytes("--disk-size", diskSize));
    }
    try (Services s = vm.services()) {
      Vm v = s.vm().setVm(b.build()).getVm();
      vm.out()
          .printf(
              "%s: %d vCPU, %s, work disk %s%n",
              v.getName(),
              v.getSpec().getVcpu(),
              Sizes.human((long) v.getSpec().getMemoryMib() << 20),
              Sizes.human(v.getSpec().getWorkDiskBytes()));
      return 0;
    }
  }
}
