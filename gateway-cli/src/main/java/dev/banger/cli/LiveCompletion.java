package dev.banger.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Completion of the names the services hold: the VM, image, kernel or snapshot a command's first
 * argument names is completed from {@code banger vm|image|kernel|snapshot list -q} at the moment
 * Tab is pressed (one CLI run per Tab, with the same {@code --state-dir} as the line being typed).
 * Which commands take which names comes from the command model (a positional labelled VM, IMAGE,
 * KERNEL or SNAPSHOT), not from a list kept by hand; commands taking several (vm start a b)
 * complete each.
 */
final class LiveCompletion {

  /**
   * A command path ("vm workspace prepare"), what its first argument names, and if it takes more.
   */
  record Target(String path, String kind, boolean many) {}

  private static final Map<String, String> KINDS =
      Map.of("VM", "vm", "IMAGE", "image", "KERNEL", "kernel", "SNAPSHOT", "snapshot");

  private LiveCompletion() {}

  static List<Target> targets(CommandLine root) {
    List<Target> out = new ArrayList<>();
    walk(root, "", out);
    return out;
  }

  private static void walk(CommandLine c, String path, List<Target> out) {
    List<PositionalParamSpec> ps = c.getCommandSpec().positionalParameters();
    if (!ps.isEmpty() && !path.isEmpty()) {
      PositionalParamSpec first = ps.getFirst();
      String kind = KINDS.get(first.paramLabel());
      if (kind != null) {
        out.add(new Target(path, kind, first.arity().max() > 1));
      }
    }
    Map<String, CommandLine> subs = new LinkedHashMap<>(c.getSubcommands());
    for (Map.Entry<String, CommandLine> e : subs.entrySet()) {
      // Aliases too (vm ls, vm rm): the name typed is what the case matches.
      walk(e.getValue(), path.isEmpty() ? e.getKey() : path + " " + e.getKey(), out);
    }
  }

  /** A bash function wrapping picocli's, registered in its place; zsh runs it via bashcompinit. */
  static String bash(CommandLine root) {
    StringBuilder cases = new StringBuilder();
    for (Target t : targets(root)) {
      cases
          .append("      \"")
          .append(t.path())
          .append('"')
          .append(t.many() ? "|\"" + t.path() + " \"*" : "")
          .append(") kind=")
          .append(t.kind())
          .append(" ;;\n");
    }
    return """

        # Live names (banger's own addition): VM, image and kernel names from the services.
        function _banger_live() {
          local cur="${COMP_WORDS[COMP_CWORD]}" path="" state=() i w
          for ((i = 1; i < COMP_CWORD; i++)); do
            w="${COMP_WORDS[i]}"
            if [[ "$w" == --state-dir ]]; then
              state=(--state-dir "${COMP_WORDS[i+1]}"); ((i++)); continue
            fi
            [[ "$w" == -* ]] || path="${path:+$path }$w"
          done
          local kind=""
          if [[ "$cur" != -* ]]; then
            case "$path" in
        %s    esac
          fi
          if [[ -n "$kind" ]]; then
            local names
            names=$(command banger "${state[@]}" "$kind" list -q 2>/dev/null)
            COMPREPLY=( $(compgen -W "$names" -- "$cur") )
            return 0
          fi
          _complete_banger "$@"
        }
        complete -F _banger_live -o default banger
        """
        .formatted(cases);
  }

  /** Fish: the same targets as conditions on the command line's words. */
  static String fish(CommandLine root) {
    StringBuilder b =
        new StringBuilder(
            """
            function __banger_path
                set -l words (commandline -opc)
                set -l path
                for w in $words[2..-1]
                    string match -q -- '-*' $w; or set -a path $w
                end
                string join ' ' $path
            end
            """);
    for (Target t : targets(root)) {
      String test =
          t.many()
              ? "string match -q -- '" + t.path() + "*' (__banger_path)"
              : "test (__banger_path) = '" + t.path() + "'";
      b.append("complete -c banger -n \"")
          .append(test)
          .append("\" -a '(banger ")
          .append(t.kind())
          .append(" list -q 2>/dev/null)'\n");
    }
    return b.toString();
  }
}
