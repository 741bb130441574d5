package dev.banger.cli.vm;

import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.CreateVmResponse;
import dev.banger.api.vm.v1.GetVmRequest;
import dev.banger.api.vm.v1.StartVmRequest;
import dev.banger.api.vm.v1.StartVmResponse;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmState;
import dev.banger.cli.CliException;
import dev.banger.cli.CommandGroup;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import dev.banger.cli.Sizes;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code banger vm …}: the VM commands, and the calls several of them share. */
@Command(name = "vm", description = "Create, run and manage VMs.", mixinStandardHelpOptions = true)
public final class VmCommand extends CommandGroup {

  /** CreateVm with its progress shown; the VM as the service returned it. */
  static Vm create(Services s, CreateVmRequest req, ProgressPrinter progress) {
    return ProgressPrinter.drain(
        s.vmLong().createVm(req),
        r -> r.hasProgress() ? r.getProgress() : null,
        CreateVmResponse::getVm,
        progress);
  }

  static Vm start(Services s, String ref, ProgressPrinter progress) {
    return ProgressPrinter.drain(
        s.vmLong()
            .startVm(
                StartVmRequest.newBuilder()
                    .setVm(ref)
                    .setRequestId(java.util.UUID.randomUUID().toString())
                    .build()),
        r -> r.hasProgress() ? r.getProgress() : null,
        StartVmResponse::getVm,
        progress);
  }

  static Vm get(Services s, String ref) {
    return s.vm().getVm(GetVmRequest.newBuilder().setVm(ref).build()).getVm();
  }

  /** A running VM's address, or a sentence saying why there is none to reach. */
  static String reachable(Vm vm) {
    if (vm.getState() != VmState.VM_STATE_RUNNING || vm.getIpAddress().isEmpty()) {
      String how = vm.getState() == VmState.VM_STATE_PAUSED ? "resume" : "start";
      throw new CliException(
          "vm \""
              + vm.getName()
              + "\" is "
              + state(vm)
              + " — "
              + how
              + " it with 'banger vm "
              + how
              + " "
              + vm.getName()
              + "'");
    }
    return vm.getIpAddress();
  }

  static String state(Vm vm) {
    return vm.getState().name().substring("VM_STATE_".length()).toLowerCase(Locale.ROOT);
  }

  static void table(PrintWriter out, List<Vm> vms) {
    out.printf(
        "%-24s %-9s %-15s %4s %8s %9s  %s%n",
        "NAME", "STATE", "IP", "VCPU", "MEMORY", "DISK", "ID");
    for (Vm v : vms) {
      out.printf(
          "%-24s %-9s %-15s %4d %8s %9s  %s%n",
          v.getName(),
          state(v),
          v.getIpAddress().isEmpty() ? "-" : v.getIpAddress(),
          v.getSpec().getVcpu(),
          Sizes.human((long) v.getSpec().getMemoryMib() << 20),
          Sizes.human(v.getSpec().getWorkDiskBytes()),
          v.getId().substring(0, 8));
    }
  }
}
