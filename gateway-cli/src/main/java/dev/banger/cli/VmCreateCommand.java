package dev.banger.cli;

import dev.banger.api.vm.v1.Vm;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code banger vm create}: records a VM and starts it (unless --no-start); prints its name. */
@Command(
    name = "create",
    description = "Create a VM and start it.",
    mixinStandardHelpOptions = true)
final class VmCreateCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmCommand vm;
  @Mixin VmSpecOptions specOptions;

  @Option(names = "--no-start", description = "Only record the VM.")
  boolean noStart;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress.")
  boolean quiet;

  @Override
  public Integer call() {
    try (Services s = vm.services()) {
      Vm created =
          VmCommand.create(
              s,
              specOptions.request().setNoStart(noStart).build(),
              new ProgressPrinter(vm.err(), ProgressPrinter.stderrIsTerminal(), quiet));
      vm.spec.commandLine().getOut().println(created.getName());
      return 0;
    }
  }
}
