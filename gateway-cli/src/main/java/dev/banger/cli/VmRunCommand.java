package dev.banger.cli;

import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmState;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code banger vm run [-- cmd…]}: a fresh VM, then a shell in it (bare), or one command whose
 * exit status becomes banger's; {@code --rm} deletes the VM afterwards, {@code -d} returns once
 * it is ready. Workspace mode ({@code vm run ./repo}) is issue #8 and refused for now.
 */
@Command(name = "run", description = "Create and start a VM, then open a shell or run a command in it.",
    mixinStandardHelpOptions = true)
final class VmRunCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmCommand vm;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin VmSpecOptions specOptions;

  @Option(names = "--rm", description = "Delete the VM when the shell or command ends.")
  boolean rm;

  @Option(names = {"-d", "--detach"}, description = "Return once the VM is ready; print its name.")
  boolean detach;

  @Option(names = {"-q", "--quiet"}, description = "No progress.")
  boolean quiet;

  @Parameters(paramLabel = "CMD", description = "Command to run in the VM, after --.")
  List<String> words = List.of();

  @Override
  public Integer call() {
    List<String> original = spec.commandLine().getParseResult().originalArgs();
    int dashes = original.indexOf("--");
    int beforeDashes = dashes < 0 ? words.size() : words.size() - (original.size() - dashes - 1);
    if (beforeDashes > 0) {
      throw new CliException("workspace mode ('banger vm run PATH') is not built yet (issue #8); to run a command,"
          + " put it after --: banger vm run -- " + String.join(" ", words), 2, null);
    }
    if (detach && (rm || !words.isEmpty())) {
      throw new CliException("-d returns once the VM is ready: it takes neither --rm nor a command", 2, null);
    }
    PrintWriter err = vm.err();
    try (Services s = vm.services()) {
      Vm created;
      try {
        created = VmCommand.create(s, specOptions.request().build(),
            new ProgressPrinter(err, ProgressPrinter.stderrIsTerminal(), quiet));
      } catch (StatusRuntimeException e) {
        keptForInspection(s, err, e);
        throw e;
      }
      if (detach) {
        vm.spec.commandLine().getOut().println(created.getName());
        return 0;
      }
      int status;
      try {
        status = GuestShell.run(s, VmCommand.reachable(created), words);
      } finally {
        if (rm) {
          s.vmLong().deleteVm(DeleteVmRequest.newBuilder().setVm(created.getId()).setForce(true)
              .setRequestId(UUID.randomUUID().toString()).build());
        }
      }
      return status;
    }
  }

  /** A VM whose start failed stays for 'banger vm logs', even with --rm; say so. */
  private void keptForInspection(Services s, PrintWriter err, StatusRuntimeException failure) {
    String name = specOptions.name != null ? specOptions.name
        : dev.banger.kit.grpc.Errors.errorInfo(failure).map(i -> i.getMetadataOrDefault("vm", "")).orElse("");
    if (name.isEmpty()) {
      return; // refused before a VM was recorded
    }
    try {
      Vm v = VmCommand.get(s, name);
      if (v.getState() == VmState.VM_STATE_ERROR) {
        err.println("banger: kept vm \"" + v.getName() + "\" for inspection: 'banger vm logs " + v.getName()
            + "', then 'banger vm delete " + v.getName() + "'");
      }
    } catch (StatusRuntimeException ignored) {
      // not recorded: nothing was kept
    }
  }
}
