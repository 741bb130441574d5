package dev.banger.cli.vm;

import dev.banger.api.vm.v1.PauseVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.Services;
import picocli.CommandLine.Command;

@Command(
    name = "pause",
    description =
        "Pause VMs: their vCPUs stop; memory, disks and network are kept (resume runs them on).",
    mixinStandardHelpOptions = true)
public final class VmPauseCommand extends ManyVms {
  @Override
  String act(Services s, String ref) {
    Vm v = s.vm().pauseVm(PauseVmRequest.newBuilder().setVm(ref).build()).getVm();
    return v.getName() + " " + VmCommand.state(v);
  }
}
