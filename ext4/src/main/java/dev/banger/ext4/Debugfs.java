package dev.banger.ext4;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one debugfs script over stdin ({@code debugfs [-w] -f - IMAGE}): the toolkit's only way
 * into an image, so every logical operation costs one process however many files it touches.
 *
 * <p>debugfs exits 0 even when a command fails and reports failures on stderr without naming
 * the command. So write scripts are planned (from a read-only probe) so that every line must
 * succeed, and any stderr beyond the version banner fails the operation. Per-command output is
 * recovered from stdout, where debugfs echoes {@code "debugfs: <line>"} before each command;
 * blocks are split only on the exact echo of the next line we sent, so file content or hostile
 * names in the output cannot shift the boundaries.
 */
final class Debugfs {

  private final CommandRunner runner;

  Debugfs(CommandRunner runner) {
    this.runner = runner;
  }

  /** Output of a script: one stdout block per script line, and the error lines. */
  record Transcript(List<String> lines, List<List<String>> blocks, List<String> errors) {

    List<String> block(int i) {
      return blocks.get(i);
    }

    /** Fails with TOOL_FAILED when debugfs reported any error. */
    Transcript requireClean(Ext4Image image, String what) {
      if (!errors.isEmpty()) {
        throw new Ext4Exception(Ext4Exception.Kind.TOOL_FAILED,
            what + " on " + image.path() + " failed: debugfs said: " + summarize(errors));
      }
      return this;
    }

    /** Fails when the filesystem could not be opened at all (errors a probe cannot tolerate). */
    Transcript requireOpened(Ext4Image image) {
      for (String e : errors) {
        if (e.contains("Filesystem not open") || e.contains("while opening filesystem")
            || e.contains("while trying to open")) {
          throw new Ext4Exception(Ext4Exception.Kind.TOOL_FAILED,
              "debugfs cannot open " + image.path() + ": " + summarize(errors));
        }
      }
      return this;
    }
  }

  static String summarize(List<String> errors) {
    List<String> head = errors.subList(0, Math.min(errors.size(), 5));
    String s = String.join("; ", head);
    return errors.size() > head.size() ? s + " (and " + (errors.size() - head.size()) + " more)" : s;
  }

  Transcript run(Ext4Image image, boolean write, List<String> script) {
    for (String line : script) {
      if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
        // GuestPath makes this impossible; checked again because a newline here would be a second command.
        throw new IllegalArgumentException("debugfs script line contains a line break");
      }
    }
    Command.Builder cmd = Command.of("debugfs");
    if (write) {
      cmd.arg("-w");
    }
    cmd.arg("-f").arg("-").arg(image.path().toString())
        .stdin(String.join("\n", script) + "\n")
        .timeout(Duration.ofSeconds(60 + script.size() / 500));
    CommandResult r;
    try {
      r = runner.run(cmd.build());
    } catch (CommandFailedException e) {
      throw new Ext4Exception(Ext4Exception.Kind.TOOL_FAILED, "debugfs on " + image.path() + ": " + e.getMessage(), e);
    }
    List<String> errors = new ArrayList<>();
    for (String l : r.stderrText().split("\n")) {
      if (!l.isBlank() && !l.startsWith("debugfs ")) {
        errors.add(l.strip());
      }
    }
    if (r.exitCode() != 0 && errors.isEmpty()) {
      errors.add("exit status " + r.exitCode());
    }
    return new Transcript(script, split(script, r.stdoutText()), errors);
  }

  static List<List<String>> split(List<String> script, String stdout) {
    List<List<String>> blocks = new ArrayList<>();
    for (int i = 0; i < script.size(); i++) {
      blocks.add(new ArrayList<>());
    }
    int current = -1;
    for (String l : stdout.split("\n", -1)) {
      if (current + 1 < script.size() && l.equals("debugfs: " + script.get(current + 1))) {
        current++;
      } else if (current >= 0) {
        blocks.get(current).add(l);
      }
    }
    return blocks;
  }
}
