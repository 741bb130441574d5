package dev.banger.cli.vm;

import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.PruneVmsRequest;
import dev.banger.api.vm.v1.PruneVmsResponse;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmState;
import dev.banger.cli.CliException;
import dev.banger.cli.Confirm;
import dev.banger.cli.Services;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "prune",
    description = "Delete every VM that is not running.",
    mixinStandardHelpOptions = true)
public final class VmPruneCommand implements Callable<Integer> {
  @CommandLine.ParentCommand VmCommand vm;

  @Option(
      names = {"-f", "--force"},
      description = "Do not ask first (it asks only when stdin is a terminal).")
  boolean force;

  @Override
  public Integer call() {
    try (Services s = vm.services()) {
      if (!force) {
        List<String> atRest = new ArrayList<>();
        for (Vm v : s.vm().listVms(ListVmsRequest.getDefaultInstance()).getVmsList()) {
          if (v.getState() == VmState.VM_STATE_CREATED
              || v.getState() == VmState.VM_STATE_STOPPED
              || v.getState() == VmState.VM_STATE_ERROR) {
            atRest.add(v.getName());
          }
        }
        if (atRest.isEmpty()) {
          return 0;
        }
        if (!Confirm.ask(
            vm.err(),
            "delete "
                + atRest.size()
                + " VM(s) not running ("
                + String.join(", ", atRest)
                + ") and their disks?")) {
          throw new CliException("nothing deleted");
        }
      }
      PruneVmsResponse r =
          s.vmLong()
              .pruneVms(
                  PruneVmsRequest.newBuilder().setRequestId(UUID.randomUUID().toString()).build());
      r.getDeletedList().forEach(n -> vm.out().println(n + " deleted"));
      return 0;
    }
  }
}
