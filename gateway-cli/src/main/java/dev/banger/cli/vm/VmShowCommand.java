package dev.banger.cli.vm;

import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.Output;
import dev.banger.cli.Services;
import dev.banger.cli.Sizes;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code banger vm show NAME}: one VM in full. */
@Command(name = "show", description = "Show one VM.", mixinStandardHelpOptions = true)
public final class VmShowCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmCommand vm;
  @Mixin Output output;

  @Parameters(index = "0", paramLabel = "VM")
  String ref;

  @Override
  public Integer call() {
    boolean json = output.json();
    Vm v;
    try (Services s = vm.services()) {
      v = VmCommand.get(s, ref);
    }
    PrintWriter out = vm.out();
    if (json) {
      out.println(output.render(v));
      return 0;
    }
    out.printf("name:     %s (%s.vm)%n", v.getName(), v.getName());
    out.printf("id:       %s%n", v.getId());
    out.printf(
        "state:    %s%s%n",
        VmCommand.state(v), v.getStateReason().isEmpty() ? "" : " — " + v.getStateReason());
    out.printf(
        "address:  %s  mac %s%n",
        v.getIpAddress().isEmpty() ? "-" : v.getIpAddress(),
        v.getMacAddress().isEmpty() ? "-" : v.getMacAddress());
    out.printf(
        "spec:     %d vCPU, %s memory, %s work disk, %s system overlay, NAT %s, driver %s%n",
        v.getSpec().getVcpu(),
        Sizes.human((long) v.getSpec().getMemoryMib() << 20),
        Sizes.human(v.getSpec().getWorkDiskBytes()),
        Sizes.human(v.getSpec().getSystemOverlayBytes()),
        v.getSpec().getNat() ? "on" : "off",
        v.getSpec().getDriver());
    out.printf("image:    %s%nkernel:   %s%n", v.getImage(), v.getKernel());
    out.printf("created:  %s%n", Instant.ofEpochSecond(v.getCreateTime().getSeconds()));
    if (v.hasStartTime()) {
      out.printf("started:  %s%n", Instant.ofEpochSecond(v.getStartTime().getSeconds()));
    }
    return 0;
  }
}
