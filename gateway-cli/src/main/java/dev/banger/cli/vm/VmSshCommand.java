package dev.banger.cli.vm;

import dev.banger.cli.Services;
import dev.banger.cli.guest.GuestShell;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code banger vm ssh NAME [-- cmd…]}: a shell in the guest, or one command with its exit status.
 */
@Command(
    name = "ssh",
    description = "Open a shell in a VM, or run a command there.",
    mixinStandardHelpOptions = true)
public final class VmSshCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmCommand vm;

  @Parameters(index = "0", paramLabel = "VM")
  String ref;

  @Parameters(
      index = "1..*",
      paramLabel = "CMD",
      description = "Command to run (after --); none: a shell.")
  List<String> command = List.of();

  @Override
  public Integer call() {
    try (Services s = vm.services()) {
      return GuestShell.run(s, VmCommand.reachable(VmCommand.get(s, ref)), command);
    }
  }
}
