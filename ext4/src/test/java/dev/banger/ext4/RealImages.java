package dev.banger.ext4;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Independent checks on real images: each reads the image back with a fresh {@code debugfs -R} or
 * {@code e2fsck -fn} call and its own parsing, never the toolkit's.
 */
public final class RealImages {

  public static final HostCommandRunner RUNNER = new HostCommandRunner();

  private RealImages() {}

  /** What {@code debugfs -R "stat PATH"} says: type word, octal mode, uid, gid; null if missing. */
  public record Stat(String type, int mode, long uid, long gid, long size) {
    /** For directories, whose size depends on the block size mke2fs picked. */
    public Stat ignoringSize() {
      return new Stat(type, mode, uid, gid, -1);
    }
  }

  public static Stat stat(Path image, String path) {
    CommandResult r =
        run(Command.of("debugfs", "-R", "stat \"" + path + "\"", image.toString()).build());
    String out = r.stdoutText();
    Matcher t = Pattern.compile("Type: (\\S+(?: special)?)\\s+Mode:\\s+(\\d+)").matcher(out);
    Matcher u = Pattern.compile("User:\\s+(\\d+)\\s+Group:\\s+(\\d+).*?Size: (\\d+)").matcher(out);
    if (!t.find() || !u.find()) {
      return null;
    }
    return new Stat(
        t.group(1),
        Integer.parseInt(t.group(2), 8),
        Long.parseLong(u.group(1)),
        Long.parseLong(u.group(2)),
        Long.parseLong(u.group(3)));
  }

  public static String cat(Path image, String path) {
    return run(Command.of("debugfs", "-R", "cat \"" + path + "\"", image.toString()).build())
        .stdoutText();
  }

  public static void assertFsckClean(Path image) {
    CommandResult r = run(Command.of("e2fsck", "-fn", image.toString()).build());
    assertTrue(
        r.exitCode() == 0,
        "e2fsck -fn " + image + " exit " + r.exitCode() + ":\n" + r.stdoutText() + r.stderrText());
  }

  public static boolean fsckClean(Path image) {
    return run(Command.of("e2fsck", "-fn", image.toString()).build()).exitCode() == 0;
  }

  /** Runs a command, failing the test when it cannot start. */
  public static CommandResult run(Command c) {
    try {
      return RUNNER.run(c);
    } catch (CommandFailedException e) {
      throw new AssertionError(e);
    }
  }

  /** Runs a command that must succeed. */
  public static CommandResult check(Command c) {
    CommandResult r = run(c);
    assertTrue(r.succeeded(), c.display() + ": " + r.stderrText());
    return r;
  }

  public static Path mkfs(Path dir, String name, long mib) {
    Path p = dir.resolve(name);
    new E2fsTools(RUNNER).mkfs(p, mib << 20, null);
    return p;
  }
}
