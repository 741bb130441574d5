package dev.banger.cli.vm;

import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import picocli.CommandLine.Command;

@Command(name = "start", description = "Start stopped VMs.", mixinStandardHelpOptions = true)
public final class VmStartCommand extends ManyVms {
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
