package dev.banger.cli.vm;

import dev.banger.api.vm.v1.RestartVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.Services;
import java.util.UUID;
import picocli.CommandLine.Command;

@Command(name = "restart", description = "Stop then start VMs.", mixinStandardHelpOptions = true)
public final class VmRestartCommand extends ManyVms {
  @Override
  String act(Services s, String ref) {
    Vm v = null;
    for (var it =
            s.vmLong()
                .restartVm(
                    RestartVmRequest.newBuilder()
                        .setVm(ref)
                        .setRequestId(UUID.randomUUID().toString())
                        .build());
        it.hasNext(); ) {
      var r = it.next();
      if (r.hasVm()) {
        v = r.getVm();
      }
    }
    return v.getName() + " running at " + v.getIpAddress();
  }
}
