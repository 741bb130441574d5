package dev.banger.cli;

import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.KillVmRequest;
import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.PruneVmsRequest;
import dev.banger.api.vm.v1.PruneVmsResponse;
import dev.banger.api.vm.v1.RestartVmRequest;
import dev.banger.api.vm.v1.SetVmRequest;
import dev.banger.api.vm.v1.StopVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmState;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The commands that act on one or more VMs by name, through {@link FanOut}: each VM its own call,
 * all at once, one line each, exit 1 when any failed.
 */
final class VmActions {

  private VmActions() {}

  /** Fans {@link #act} out over the names given. */
  abstract static class Many implements Callable<Integer> {
    @CommandLine.ParentCommand VmCommand vm;

    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM names or ids.")
    List<String> refs;

    @Option(
        names = {"-q", "--quiet"},
        description = "No progress.")
    boolean quiet;

    /** Does the work for one VM; returns what to print for it. */
    abstract String act(Services s, String ref);

    @Override
    public Integer call() {
      try (Services s = vm.services()) {
        return FanOut.each(
            refs, ref -> act(s, ref), vm.spec.commandLine().getOut(), vm.err(), vm.parent.debug);
      }
    }
  }

  @Command(name = "start", description = "Start stopped VMs.", mixinStandardHelpOptions = true)
  static final class Start extends Many {
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

  @Command(
      name = "stop",
      description = "Power VMs off (guest poweroff, then the power button, then kill).",
      mixinStandardHelpOptions = true)
  static final class Stop extends Many {
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

  @Command(name = "restart", description = "Stop then start VMs.", mixinStandardHelpOptions = true)
  static final class Restart extends Many {
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

  @Command(
      name = "kill",
      description = "Kill VMs at once (the guest gets no chance to sync).",
      mixinStandardHelpOptions = true)
  static final class Kill extends Many {
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

  @Command(
      name = "delete",
      aliases = "rm",
      description = "Delete VMs and everything they hold.",
      mixinStandardHelpOptions = true)
  static final class Delete extends Many {
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

  @Command(
      name = "prune",
      description = "Delete every VM that is not running.",
      mixinStandardHelpOptions = true)
  static final class Prune implements Callable<Integer> {
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
                    PruneVmsRequest.newBuilder()
                        .setRequestId(UUID.randomUUID().toString())
                        .build());
        r.getDeletedList().forEach(n -> vm.spec.commandLine().getOut().println(n + " deleted"));
        return 0;
      }
    }
  }

  @Command(
      name = "set",
      description =
          "Change a stopped VM's vCPUs, memory or work disk size (for its next start; the disk"
              + " only grows, files kept).",
      mixinStandardHelpOptions = true)
  static final class Set implements Callable<Integer> {
    @CommandLine.ParentCommand VmCommand vm;

    @Parameters(index = "0", paramLabel = "VM")
    String ref;

    @Option(names = "--vcpu")
    Integer vcpu;

    @Option(
        names = "--memory",
        paramLabel = "SIZE",
        description = "e.g. 2G; a plain number is MiB.")
    String memory;

    @Option(
        names = "--disk-size",
        paramLabel = "SIZE",
        description = "A larger work disk (/root), e.g. 16G; grown at the next start.")
    String diskSize;

    @Override
    public Integer call() {
      if (vcpu == null && memory == null && diskSize == null) {
        throw new CliException("say what to change: --vcpu, --memory and/or --disk-size", 2, null);
      }
      SetVmRequest.Builder b =
          SetVmRequest.newBuilder().setVm(ref).setRequestId(UUID.randomUUID().toString());
      if (vcpu != null) {
        b.setVcpu(vcpu);
      }
      if (memory != null) {
        b.setMemoryMib(
            (int)
                (Sizes.bytes("--memory", memory.matches("[0-9]+") ? memory + "M" : memory) >> 20));
      }
      if (diskSize != null) {
        b.setWorkDiskBytes(Sizes.bytes("--disk-size", diskSize));
      }
      try (Services s = vm.services()) {
        Vm v = s.vm().setVm(b.build()).getVm();
        vm.spec
            .commandLine()
            .getOut()
            .printf(
                "%s: %d vCPU, %s, work disk %s%n",
                v.getName(),
                v.getSpec().getVcpu(),
                Sizes.human((long) v.getSpec().getMemoryMib() << 20),
                Sizes.human(v.getSpec().getWorkDiskBytes()));
        return 0;
      }
    }
  }
}
