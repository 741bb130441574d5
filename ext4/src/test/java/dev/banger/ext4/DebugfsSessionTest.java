package dev.banger.ext4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.process.Conversation;
import dev.banger.kit.process.RunningProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a session judges debugfs's stderr, which names no command: each probe miss explains exactly
 * one "File not found" line; anything else, including a second line about a missed path (a write
 * that failed), fails the edit. The real-debugfs behaviour is covered by Ext4ToolkitTest; this pins
 * the bookkeeping with a scripted debugfs.
 */
class DebugfsSessionTest {

  @TempDir Path dir;

  /** Answers stat lines like debugfs: an inode for "/etc", nothing for other paths. */
  static class FakeDebugfs implements Conversation {
    final Deque<String> out = new ArrayDeque<>();
    final String stderr;

    FakeDebugfs(String stderr) {
      this.stderr = stderr;
    }

    @Override
    public void send(String text) {
      for (String line : text.split("\n")) {
        if (line.isEmpty()) {
          continue;
        }
        out.add("debugfs: " + line);
        if (line.equals("stat \"/etc\"")) {
          out.add("Inode: 12   Type: directory    Mode:  0755   Flags: 0x80000");
          out.add("User:     0   Group:     0   Project:     0   Size: 4096");
        }
      }
    }

    @Override
    public String readLine(Duration timeout) {
      return out.poll();
    }

    @Override
    public String stderrSoFar() {
      return stderr;
    }

    @Override
    public CommandResult finish(Duration timeout) {
      return new CommandResult(Command.of("debugfs").build(), 0, new byte[0], stderr.getBytes());
    }

    @Override
    public void close() {}
  }

  Debugfs.Session session(String stderr) {
    return session(new FakeDebugfs(stderr));
  }

  Debugfs.Session session(Conversation fake) {
    CommandRunner runner =
        new CommandRunner() {
          @Override
          public CommandResult run(Command c) {
            throw new UnsupportedOperationException();
          }

          @Override
          public RunningProcess start(Command c, Path log) {
            throw new UnsupportedOperationException();
          }

          @Override
          public Conversation converse(Command c) {
            return fake;
          }
        };
    Path img = RealImages.mkfs(dir, "i.ext4", 16);
    return new Debugfs(runner).session(Ext4Image.open(img, BlockDevicePolicy.never()));
  }

  static final String BANNER = "debugfs 1.47.0 (5-Feb-2023)\n";

  @Test
  void probeBlocksAndAnotherSessionsSentinelIsNotExpected() {
    try (Debugfs.Session s =
        session(
            BANNER
                + "/etc/new: File not found by ext2_lookup \n"
                + "/.banger-sync-x: File not found by ext2_lookup \n".replace("x", "ANY"))) {
      var found = s.probe(List.of(GuestPath.of("/etc"), GuestPath.of("/etc/new")));
      assertEquals(java.util.Set.of(GuestPath.of("/etc")), found.keySet());
      assertEquals(12, found.get(GuestPath.of("/etc")).inode());
      assertEquals(040755, found.get(GuestPath.of("/etc")).mode());
      // The sentinel's name is random; its line matches only its own prefix, so this one fails.
      Ext4Exception e =
          assertThrows(
              Ext4Exception.class, () -> s.write(List.of("write /h \"/etc/new\""), "editing"));
      assertTrue(e.getMessage().contains("banger-sync-ANY"), e.getMessage());
    }
  }

  @Test
  void aSecondErrorAboutAMissedPathIsAWriteFailure() {
    String stderr =
        BANNER
            + "/etc/new: File not found by ext2_lookup \n/etc/new: File not found by ext2_lookup \n";
    try (Debugfs.Session s = session(stderr)) {
      s.probe(List.of(GuestPath.of("/etc"), GuestPath.of("/etc/new")));
      Ext4Exception e =
          assertThrows(
              Ext4Exception.class, () -> s.write(List.of("sif \"/etc/new\" uid 0"), "editing"));
      assertEquals(Ext4Exception.Kind.TOOL_FAILED, e.kind());
    }
  }

  @Test
  void oneErrorPerMissIsClean() {
    try (Debugfs.Session s = session(BANNER + "/etc/new: File not found by ext2_lookup \n")) {
      s.probe(List.of(GuestPath.of("/etc"), GuestPath.of("/etc/new")));
      s.write(List.of("write /h \"/etc/new\""), "editing");
    }
  }

  @Test
  void debugfsExitingDuringTheProbeFailsClearly() {
    Conversation dead =
        new FakeDebugfs(
            BANNER + "debugfs: Bad magic number in super-block while opening filesystem\n") {
          @Override
          public String readLine(Duration timeout) {
            return null;
          }
        };
    try (Debugfs.Session s = session(dead)) {
      Ext4Exception e =
          assertThrows(Ext4Exception.class, () -> s.probe(List.of(GuestPath.of("/etc"))));
      assertEquals(Ext4Exception.Kind.TOOL_FAILED, e.kind());
      assertTrue(
          e.getMessage().contains("exited during the probe")
              && e.getMessage().contains("Bad magic"),
          e.getMessage());
    }
  }

  @Test
  void anUnrelatedErrorFails() {
    try (Debugfs.Session s =
        session(BANNER + "write: Could not allocate block in ext2 filesystem \n")) {
      s.probe(List.of(GuestPath.of("/etc")));
      Ext4Exception e =
          assertThrows(
              Ext4Exception.class, () -> s.write(List.of("write /h \"/etc/x\""), "editing"));
      assertTrue(e.getMessage().contains("Could not allocate block"), e.getMessage());
    }
  }
}
