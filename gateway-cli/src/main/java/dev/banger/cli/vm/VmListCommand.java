package dev.banger.cli.vm;

import dev.banger.api.vm.v1.ListVmsRequest;
import dev.banger.api.vm.v1.ListVmsResponse;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmState;
import dev.banger.cli.CliException;
import dev.banger.cli.Output;
import dev.banger.cli.Services;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code banger vm list} (also {@code ls}, {@code ps}): every VM, all pages. */
@Command(
    name = "list",
    aliases = {"ls", "ps"},
    description = "List VMs.",
    mixinStandardHelpOptions = true)
public final class VmListCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmCommand vm;
  @Mixin Output output;

  @Option(
      names = "--state",
      description = "Only VMs in this state (created, running, stopped, error, …).")
  String state;

  @Option(
      names = {"-q", "--quiet"},
      description = "Names only, one per line (for scripts).")
  boolean quiet;

  @Override
  public Integer call() {
    boolean json = output.json();
    ListVmsRequest.Builder req = ListVmsRequest.newBuilder();
    if (state != null) {
      try {
        req.setState(VmState.valueOf("VM_STATE_" + state.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new CliException(
            "--state must be created, starting, running, paused, stopping, stopped or error, got \""
                + state
                + "\"",
            2,
            null);
      }
    }
    List<Vm> all = new ArrayList<>();
    try (Services s = vm.services()) {
      String token = "";
      do {
        ListVmsResponse r = s.vm().listVms(req.setPageToken(token).build());
        all.addAll(r.getVmsList());
        token = r.getNextPageToken();
      } while (!token.isEmpty());
    }
    if (quiet) {
      all.forEach(v -> vm.out().println(v.getName()));
    } else if (json) {
      vm.out().println(output.render(all));
    } else {
      VmCommand.table(vm.out(), all);
    }
    return 0;
  }
}
