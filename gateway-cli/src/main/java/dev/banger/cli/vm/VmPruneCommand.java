package dev.banger.cli.vm;

import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.PruneVmsRequest;
import dev.banger.api.vm.v1.PruneVmsResponse;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmState;
import dev.banger.cli.CliException;
import dev.banger.cli.Confirm;
import dev.banger.cli.Services;
import dev.banger.kit.state.HostIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "prune",
    description =
        "Delete your VMs that are not running (created, stopped, error); --all: everyone's.",
    mixinStandardHelpOptions = true)
public final class VmPruneCommand implements Callable<Integer> {
  @CommandLine.ParentCommand VmCommand vm;

  @Option(
      names = {"-f", "--force"},
      description = "Do not ask first (it asks only when stdin is a terminal).")
  boolean force;

  @Option(
      names = "--all",
      description = "Also VMs other users created, and VMs with no recorded owner.")
  boolean all;

  /** This process's uid, as the kernel reports it to vm-service over the socket. */
  static int myUid() {
    try {
      return HostIdentity.currentUid();
    } catch (IllegalStateException e) {
      return -1; // no match: the question lists nothing, the service still prunes by its rule
    }
  }

  private void keptNote(List<String> kept) {
    if (!kept.isEmpty()) {
      vm.err()
          .println(
              "kept "
                  + kept.size()
                  + " VM(s) not yours ("
                  + String.join(", ", kept)
                  + "); --all deletes them too");
    }
  }

  @Override
  public Integer call() {
    try (Services s = vm.services()) {
      if (!force) {
        List<String> mine = new ArrayList<>();
        List<String> others = new ArrayList<>();
        int me = myUid();
        for (Vm v : s.vm().listVms(ListVmsRequest.getDefaultInstance()).getVmsList()) {
          if (v.getState() == VmState.VM_STATE_CREATED
              || v.getState() == VmState.VM_STATE_STOPPED
              || v.getState() == VmState.VM_STATE_ERROR) {
            // The service decides whose VMs go; this only lists what it will take, to ask.
            boolean isMine = v.hasOwnerUid() && v.getOwnerUid() == me;
            (all || isMine ? mine : others).add(v.getName());
          }
        }
        if (mine.isEmpty()) {
          keptNote(others);
          return 0;
        }
        if (!Confirm.ask(
            vm.err(),
            "delete "
                + mine.size()
                + " VM(s) not running ("
                + String.join(", ", mine)
                + ") and their disks?")) {
          throw new CliException("nothing deleted");
        }
      }
      PruneVmsResponse r =
          s.vmLong()
              .pruneVms(
                  PruneVmsRequest.newBuilder()
                      .setRequestId(UUID.randomUUID().toString())
                      .setAllOwners(all)
                      .build());
      r.getDeletedList().forEach(n -> vm.out().println(n + " deleted"));
      keptNote(r.getKeptOtherOwnersList());
      return 0;
    }
  }
}
