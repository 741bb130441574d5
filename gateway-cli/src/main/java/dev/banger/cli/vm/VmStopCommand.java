package dev.banger.cli.vm;

import dev.banger.api.vm.v1.StopVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.Services;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "stop",
    description = "Power VMs off (guest poweroff, then the power button, then kill).",
    mixinStandardHelpOptions = true)
public final class VmStopCommand extends ManyVms {
  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "Wait this long for the guest before killing it.")
  int timeout;

  @Override
  String act(Services s, String ref) {
    Vm v =
        s.vmLong()
            .stopVm(
                StopVmRequest.newBuilder()
                    .setVm(ref)
                    .setTimeoutSeconds(timeout)
                    .setRequestId(UUID.randomUUID().toString())
                    .build())
            .getVm();
    return v.getName() + " " + VmCommand.state(v);
  }
}
