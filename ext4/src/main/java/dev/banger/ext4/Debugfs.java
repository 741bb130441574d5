package dev.banger.ext4;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.process.Conversation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one debugfs script over stdin ({@code debugfs [-w] -f - IMAGE}): the toolkit's only way into
 * an image, so every logical operation costs one process however many files it touches.
 *
 * <p>debugfs exits 0 even when a command fails and reports failures on stderr without naming the
 * command. So write scripts are planned (from a read-only probe) so that every line must succeed,
 * and any stderr beyond the version banner fails the operation. Per-command output is recovered
 * from stdout, where debugfs echoes {@code "debugfs: <line>"} before each command; blocks are split
 * only on the exact echo of the next line we sent, so file content or hostile names in the output
 * cannot shift the boundaries.
 */
final class Debugfs {

  private final CommandRunner runner;

  Debugfs(CommandRunner runner) {
    this.runner = runner;
  }

  /** Output of a script: one stdout block per script line, and the error lines. */
  record Transcript(List<List<String>> blocks, List<String> errors) {

    List<String> block(int i) {
      return blocks.get(i);
    }

    /** Fails with TOOL_FAILED when debugfs reported any error. */
    Transcript requireClean(Ext4Image image, String what) {
      failOnErrors(errors, image, what);
      return this;
    }

    /** Fails when the filesystem could not be opened at all (errors a probe cannot tolerate). */
    Transcript requireOpened(Ext4Image image) {
      for (String e : errors) {
        if (e.contains("Filesystem not open")
            || e.contains("while opening filesystem")
            || e.contains("while trying to open")) {
          throw new Ext4Exception(
              Ext4Exception.Kind.TOOL_FAILED,
              "debugfs cannot open " + image.path() + ": " + summarize(errors));
        }
      }
      return this;
    }
  }

  private static void failOnErrors(List<String> errors, Ext4Image image, String what) {
    if (!errors.isEmpty()) {
      throw new Ext4Exception(
          Ext4Exception.Kind.TOOL_FAILED,
          what + " on " + image.path() + " failed: debugfs said: " + summarize(errors));
    }
  }

  /**
   * GuestPath makes a line break impossible; checked again because one would start a second
   * command.
   */
  private static void requireSingleLines(List<String> script) {
    for (String line : script) {
      if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
        throw new IllegalArgumentException("debugfs script line contains a line break");
      }
    }
  }

  /**
   * The error lines of a finished debugfs: stderr without the version banner, less one line per
   * {@code expectedPrefixes} entry (a second line with the same prefix is an error), plus the exit
   * status when it failed silently.
   */
  private static List<String> errorsOf(CommandResult r, List<String> expectedPrefixes) {
    List<String> errors = new ArrayList<>();
    List<String> expected = new ArrayList<>(expectedPrefixes);
    for (String l : r.stderrText().split("\n")) {
      String t = l.strip();
      if (t.isEmpty() || t.startsWith("debugfs ")) {
        continue;
      }
      String match = expected.stream().filter(t::startsWith).findFirst().orElse(null);
      if (match == null) {
        errors.add(t);
      } else {
        expected.remove(match);
      }
    }
    if (r.exitCode() != 0 && errors.isEmpty()) {
      errors.add("exit status " + r.exitCode());
    }
    return errors;
  }

  static String summarize(List<String> errors) {
    List<String> head = errors.subList(0, Math.min(errors.size(), 5));
    String s = String.join("; ", head);
    return errors.size() > head.size()
        ? s + " (and " + (errors.size() - head.size()) + " more)"
        : s;
  }

  Transcript run(Ext4Image image, boolean write, List<String> script) {
    requireSingleLines(script);
    Command.Builder cmd = Command.of("debugfs");
    if (write) {
      cmd.arg("-w");
    }
    cmd.arg("-f")
        .arg("-")
        .arg(image.path().toString())
        .stdin(String.join("\n", script) + "\n")
        .timeout(Duration.ofSeconds(60 + script.size() / 500));
    CommandResult r;
    try {
      r = runner.run(cmd.build());
    } catch (CommandFailedException e) {
      throw new Ext4Exception(
          Ext4Exception.Kind.TOOL_FAILED, "debugfs on " + image.path() + ": " + e.getMessage(), e);
    }
    return new Transcript(split(script, r.stdoutText()), errorsOf(r, List.of()));
  }

  /**
   * One debugfs process for a probe and the writes planned from it. Read-only lines are sent first,
   * followed by a sentinel {@code stat} of a name that does not exist; once its echo comes back on
   * stdout, every probe answer has arrived (debugfs flushes after each command). The write lines
   * then go to the same process, which saves a second open and close of the filesystem (the
   * dominant cost of a small edit). Probe misses print "File not found" on stderr; those lines, and
   * only those, are expected when the writes are judged.
   */
  final class Session implements AutoCloseable {
    private final Ext4Image image;
    private final Conversation conv;
    private final List<String> expectedErrors = new ArrayList<>();
    private final String sentinel =
        "stat \"/.banger-sync-" + Long.toHexString(System.nanoTime()) + "\"";

    private Session(Ext4Image image, Conversation conv) {
      this.image = image;
      this.conv = conv;
    }

    /** Stats {@code paths}; the ones that exist, with their inode facts. */
    Map<GuestPath, InodeInfo> probe(List<GuestPath> paths) {
      List<String> script = new ArrayList<>();
      for (GuestPath p : paths) {
        script.add("stat " + p.quoted());
      }
      StringBuilder text = new StringBuilder();
      for (String l : script) {
        text.append(l).append('\n');
      }
      text.append(sentinel).append('\n');
      List<String> out = new ArrayList<>();
      try {
        conv.send(text.toString());
        for (String l = conv.readLine(Duration.ofSeconds(60));
            !("debugfs: " + sentinel).equals(l);
            l = conv.readLine(Duration.ofSeconds(60))) {
          if (l == null) {
            throw new Ext4Exception(
                Ext4Exception.Kind.TOOL_FAILED,
                "debugfs on "
                    + image.path()
                    + " exited during the probe: "
                    + conv.stderrSoFar().strip());
          }
          out.add(l);
        }
      } catch (CommandFailedException e) {
        throw new Ext4Exception(
            Ext4Exception.Kind.TOOL_FAILED,
            "debugfs on " + image.path() + " stopped answering: " + conv.stderrSoFar().strip(),
            e);
      }
      Map<GuestPath, InodeInfo> found =
          DebugfsParsers.stats(paths, split(script, String.join("\n", out)));
      for (GuestPath p : paths) {
        if (!found.containsKey(p)) {
          expectedErrors.add(p + ": ");
        }
      }
      expectedErrors.add(sentinel.substring(6, sentinel.length() - 1) + ": ");
      return found;
    }

    /**
     * Sends the write lines, ends debugfs, and fails on any error other than the probe's misses.
     */
    void write(List<String> script, String what) {
      requireSingleLines(script);
      CommandResult r;
      try {
        conv.send(script.isEmpty() ? "" : String.join("\n", script) + "\n");
        r = conv.finish(Duration.ofSeconds(60 + script.size() / 500));
      } catch (CommandFailedException e) {
        throw new Ext4Exception(
            Ext4Exception.Kind.TOOL_FAILED,
            what + " on " + image.path() + ": " + e.getMessage(),
            e);
      }
      // Each probe miss explains exactly one stderr line ("<path>: File not found…"); a second
      // line about the same path came from a write and is an error.
      failOnErrors(errorsOf(r, expectedErrors), image, what);
    }

    @Override
    public void close() {
      conv.close();
    }
  }

  /** Opens a read-write session on {@code image}. */
  Session session(Ext4Image image) {
    try {
      return new Session(
          image,
          runner.converse(Command.of("debugfs", "-w", "-f", "-", image.path().toString()).build()));
    } catch (CommandFailedException e) {
      throw new Ext4Exception(
          Ext4Exception.Kind.TOOL_FAILED, "debugfs on " + image.path() + ": " + e.getMessage(), e);
    }
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
