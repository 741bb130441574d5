package dev.banger.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * A command that only groups subcommands ({@code vm}, {@code image}, {@code kernel}): alone it
 * prints its usage, and it gives its subcommands the services of the layout chosen on {@code
 * banger} itself, and the output streams.
 */
abstract class CommandGroup implements Runnable {

  @CommandLine.ParentCommand Banger parent;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  Services services() {
    return new Services(parent.layout());
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
