package dev.banger.cli;

import dev.banger.kit.state.StateLayout;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code banger} command. Exit codes: 0 success, 1 an operation failed, 2 usage error, and in
 * command mode ({@code vm run -- cmd}, {@code vm ssh NAME -- cmd}) the guest command's own status
 * (255 when ssh itself failed).
 */
@Command(
    name = "banger",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "One-command development sandboxes on microVMs.")
public final class Banger implements Runnable {

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      description =
          "All-in-one state directory (bangerd --all --state-dir DIR); sockets are DIR/run/*.sock. "
              + "Default: $BANGER_STATE_DIR, else the system sockets under /run/banger.")
  java.nio.file.Path stateDir;

  @Option(
      names = "--debug",
      description = "On errors, also show the gRPC status, reason and metadata.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean debug;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    // "banger" alone: show what there is to do.
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Where the services are (bangerd's layout), by flag, environment, then production. */
  StateLayout layout() {
    if (stateDir != null) {
      return StateLayout.under(stateDir);
    }
    String env = System.getenv("BANGER_STATE_DIR");
    return env != null && !env.isBlank()
        ? StateLayout.under(java.nio.file.Path.of(env))
        : StateLayout.production();
  }

  public static CommandLine commandLine(String[] args) {
    CommandLine cl = CommandTree.forArgs(args);
    // https://no-color.org: set to anything non-empty, no ANSI colours in help and usage.
    String noColor = System.getenv("NO_COLOR");
    if (noColor != null && !noColor.isEmpty()) {
      cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
    }
    return cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          CliException e = CliErrors.from(ex);
          cmd.getErr().println("banger: " + e.getMessage());
          Banger root = cmd.getCommandSpec().root().userObject() instanceof Banger b ? b : null;
          if (root != null && root.debug && e.debug != null) {
            cmd.getErr().println("  " + e.debug);
          }
          return e.exitCode;
        });
  }

  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = commandLine(args);
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  public static void main(String[] args) {
    // One writer per stream for the whole command tree, flushed before System.exit: picocli's own
    // flush only on println, so a print() without a newline at the end was lost (ssh-config,
    // completion scripts cut at the buffer's size).
    PrintWriter out =
        new PrintWriter(new java.io.OutputStreamWriter(System.out, System.out.charset()), true);
    PrintWriter err =
        new PrintWriter(new java.io.OutputStreamWriter(System.err, System.err.charset()), true);
    int code;
    try {
      code = run(args, out, err);
    } finally {
      out.flush();
      err.flush();
    }
    // Channels are closed by the commands; their event loop thread would make the exit wait.
    dev.banger.kit.grpc.UnixChannels.shutdownClientLoop(
        200, java.util.concurrent.TimeUnit.MILLISECONDS);
    System.exit(code);
  }
}
