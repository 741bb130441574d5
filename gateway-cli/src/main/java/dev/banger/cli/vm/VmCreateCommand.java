package dev.banger.cli.vm;

import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code banger vm create}: records a VM and starts it (unless --no-start); prints its name. Ctrl-C
 * during the start deletes the VM (unless --keep-failed) and says so.
 */
@Command(
    name = "create",
    description = "Create a VM and start it.",
    mixinStandardHelpOptions = true)
public final class VmCreateCommand implements Callable<Integer> {

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
      ProgressPrinter shown =
          new ProgressPrinter(vm.err(), ProgressPrinter.stderrIsTerminal(), quiet);
      if (noStart || specOptions.snapshot != null) {
        // From a snapshot the create is the start (vm-service refuses --no-start with it), and
        // Ctrl-C cancels the call, which vm-service undoes whole.
        Vm created = VmCommand.create(s, specOptions.request().setNoStart(noStart).build(), shown);
        vm.out().println(created.getName());
        return 0;
      }
      // Recorded first, started second, as vm run does: the CLI knows the VM before its boot, so
      // Ctrl-C can undo it and say so in one line.
      BootInterrupt interrupt = BootInterrupt.install(s, vm.err(), specOptions.keepFailed, shown);
      try {
        Vm created = VmCommand.create(s, specOptions.request().setNoStart(true).build(), shown);
        interrupt.made(created);
        created = VmCommand.start(s, created.getId(), shown);
        interrupt.remove();
        vm.out().println(created.getName());
        return 0;
      } catch (RuntimeException e) {
        // A call that failed because Ctrl-C's hook is undoing the VM: the hook reports.
        interrupt.waitIfFired();
        throw e;
      } finally {
        interrupt.remove();
      }
    }
  }
}
