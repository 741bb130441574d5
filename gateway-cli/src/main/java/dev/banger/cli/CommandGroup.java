package dev.banger.cli;

import dev.banger.kit.state.StateLayout;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * A command that only groups subcommands ({@code vm}, {@code image}, {@code kernel}): alone it
 * prints its usage, and it gives its subcommands the services of the layout chosen on {@code
 * banger} itself, and the output streams.
 */
public abstract class CommandGroup implements Runnable {

  @CommandLine.ParentCommand Banger parent;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public Services services() {
    return new Services(parent.layout());
  }

  /** Where the services are: the layout chosen on {@code banger} itself. */
  public StateLayout layout() {
    return parent.layout();
  }

  /** Whether {@code banger --debug} was given. */
  public boolean debug() {
    return parent.debug;
  }

  public PrintWriter out() {
    return spec.commandLine().getOut();
  }

  public PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
