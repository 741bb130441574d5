package dev.banger.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Parameters;

/**
 * {@code banger completion bash|zsh|fish}: a completion script on stdout, for {@code source
 * <(banger completion bash)}. Bash is picocli's generator; zsh gets the same script, which loads
 * bashcompinit under zsh; fish gets subcommand and option names generated here from the same model.
 * Names of VMs, images and kernels are completed live, from the services ({@link LiveCompletion}).
 */
@Command(
    name = "completion",
    description = "Print a shell completion script (bash, zsh or fish).",
    mixinStandardHelpOptions = true)
final class CompletionCommand implements Callable<Integer> {

  @CommandLine.Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "SHELL",
      completionCandidates = Shells.class,
      description = "bash, zsh or fish")
  String shell;

  /** What SHELL takes, for shell completion. */
  static final class Shells implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.List.of("bash", "zsh", "fish").iterator();
    }
  }

  @Override
  public Integer call() {
    // The whole tree: this run built only the branch that leads here (CommandTree).
    CommandLine root = CommandTree.full();
    String script =
        switch (shell) {
          case "bash" -> AutoComplete.bash("banger", root) + LiveCompletion.bash(root);
          // picocli's script turns on bashcompinit under zsh itself (and runs compinit only when
          // compdef is missing, so completions already registered survive): no preamble of our own.
          case "zsh" ->
              "# banger completion for zsh (bash completion through bashcompinit)\n"
                  + AutoComplete.bash("banger", root)
                  + LiveCompletion.bash(root);
          case "fish" -> fish(root) + LiveCompletion.fish(root);
          default ->
              throw new CliException(
                  "SHELL must be bash, zsh or fish, got \"" + shell + "\"", 2, null);
        };
    spec.commandLine().getOut().print(script);
    return 0;
  }

  /**
   * Subcommands after their parent's name (two levels: banger vm run), and each command's long
   * options.
   */
  static String fish(CommandLine root) {
    StringBuilder b =
        new StringBuilder("# banger completion for fish: banger completion fish | source\n");
    b.append("complete -c banger -f\n");
    for (Map.Entry<String, CommandLine> top : root.getSubcommands().entrySet()) {
      if (!top.getKey().equals(top.getValue().getCommandName())) {
        continue; // an alias
      }
      b.append(line("__fish_use_subcommand", top.getKey(), top.getValue().getCommandSpec()));
      for (Map.Entry<String, CommandLine> sub : top.getValue().getSubcommands().entrySet()) {
        if (sub.getKey().equals(sub.getValue().getCommandName())) {
          b.append(
              line(
                  "__fish_seen_subcommand_from " + top.getKey(),
                  sub.getKey(),
                  sub.getValue().getCommandSpec()));
          options(
              b, "__fish_seen_subcommand_from " + sub.getKey(), sub.getValue().getCommandSpec());
        }
      }
      options(b, "__fish_seen_subcommand_from " + top.getKey(), top.getValue().getCommandSpec());
    }
    options(b, "__fish_use_subcommand", root.getCommandSpec());
    return b.toString();
  }

  private static String line(String condition, String name, CommandSpec spec) {
    return "complete -c banger -n '"
        + condition
        + "' -a "
        + name
        + " -d "
        + quote(describe(spec))
        + "\n";
  }

  private static void options(StringBuilder b, String condition, CommandSpec spec) {
    for (OptionSpec o : spec.options()) {
      for (String n : o.names()) {
        if (n.startsWith("--")) {
          b.append("complete -c banger -n '")
              .append(condition)
              .append("' -l ")
              .append(n.substring(2))
              .append(o.arity().max() > 0 ? " -r" : "")
              .append(" -d ")
              .append(quote(String.join(" ", o.description())))
              .append('\n');
        }
      }
    }
  }

  private static String describe(CommandSpec spec) {
    String[] d = spec.usageMessage().description();
    return d.length == 0 ? "" : d[0];
  }

  private static String quote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
