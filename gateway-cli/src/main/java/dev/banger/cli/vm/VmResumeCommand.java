package dev.banger.cli.vm;

import dev.banger.api.vm.v1.ResumeVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.Services;
import picocli.CommandLine.Command;

@Command(
    name = "resume",
    description = "Resume paused VMs: their vCPUs run again where they stopped.",
    mixinStandardHelpOptions = true)
public final class VmResumeCommand extends ManyVms {
  @Override
  String act(Services s, String ref) {
    Vm v = s.vm().resumeVm(ResumeVmRequest.newBuilder().setVm(ref).build()).getVm();
    return v.getName() + " " + VmCommand.state(v);
  }
}
