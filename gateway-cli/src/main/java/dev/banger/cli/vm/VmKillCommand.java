package dev.banger.cli.vm;

import dev.banger.api.vm.v1.KillVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.Services;
import java.util.UUID;
import picocli.CommandLine.Command;

@Command(
    name = "kill",
    description = "Kill VMs at once (the guest gets no chance to sync).",
    mixinStandardHelpOptions = true)
public final class VmKillCommand extends ManyVms {
  @Override
  String act(Services s, String ref) {
    Vm v =
        s.vm()
            .killVm(
                KillVmRequest.newBuilder()
                    .setVm(ref)
                    .setRequestId(UUID.randomUUID().toString())
                    .build())
            .getVm();
    return v.getName() + " " + VmCommand.state(v);
  }
}
