package dev.banger.cli;

import dev.banger.api.vm.v1.Vm;
import picocli.CommandLine.Command;

@Command(name = "start", description = "Start stopped VMs.", mixinStandardHelpOptions = true)
final class VmStartCommand extends ManyVms {
  @Override
  String act(Services s, String ref) {
    boolean one = refs.size() == 1;
    Vm v =
        VmCommand.start(
            s,
            ref,
            new ProgressPrinter(
                vm.err(), one && ProgressPrinter.stderrIsTerminal(), quiet || !one));
    return v.getName() + " running at " + v.getIpAddress();
  }
}
