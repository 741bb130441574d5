package dev.banger.cli.vm;

import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.cli.Services;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "delete",
    aliases = "rm",
    description = "Delete VMs and everything they hold.",
    mixinStandardHelpOptions = true)
public final class VmDeleteCommand extends ManyVms {
  @Option(
      names = {"-f", "--force"},
      description = "Delete running VMs too (they are killed).")
  boolean force;

  @Override
  String act(Services s, String ref) {
    s.vmLong()
        .deleteVm(
            DeleteVmRequest.newBuilder()
                .setVm(ref)
                .setForce(force)
                .setRequestId(UUID.randomUUID().toString())
                .build());
    return ref + " deleted";
  }
}
