package dev.banger.cli.vm;

import dev.banger.cli.FanOut;
import dev.banger.cli.Services;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The commands that act on one or more VMs by name, through {@link FanOut}: each VM its own call,
 * all at once, one line each, exit 1 when any failed.
 *
 * <p>Fans {@link #act} out over the names given.
 */
abstract class ManyVms implements Callable<Integer> {
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
      return FanOut.each(refs, ref -> act(s, ref), vm.out(), vm.err(), vm.debug());
    }
  }
}
