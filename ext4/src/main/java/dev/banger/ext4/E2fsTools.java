package dev.banger.ext4;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The whole-filesystem e2fsprogs tools: {@code mkfs.ext4}, {@code e2fsck}, {@code resize2fs}. */
public final class E2fsTools {

  /** mkfs.ext4 needs room for its metadata and journal; smaller requests are refused up front. */
  public static final long MIN_FS_BYTES = 16L << 20;

  private final CommandRunner runner;

  public E2fsTools(CommandRunner runner) {
    this.runner = runner;
  }

  /**
   * Makes a sparse file of {@code sizeBytes} and an ext4 filesystem on it whose root inode is
   * root:root (it becomes {@code /root} or {@code /} in the guest). With {@code fromDir}, the tree
   * is copied in by {@code mkfs.ext4 -d} (owners verbatim). Inode tables and the journal are
   * initialised lazily: a fresh sparse file reads as zeros already.
   */
  public void mkfs(Path file, long sizeBytes, Path fromDir) {
    if (sizeBytes < MIN_FS_BYTES || sizeBytes % 4096 != 0) {
      throw new Ext4Exception(
          Ext4Exception.Kind.OUT_OF_RANGE,
          "filesystem size "
              + sizeBytes
              + " must be a multiple of 4096 and at least "
              + MIN_FS_BYTES);
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(sizeBytes);
    } catch (IOException e) {
      throw new Ext4Exception(
          Ext4Exception.Kind.TOOL_FAILED, "cannot create " + file + ": " + e.getMessage(), e);
    }
    Command.Builder c =
        Command.of(
            "mkfs.ext4",
            "-q",
            "-F",
            "-t",
            "ext4",
            "-E",
            "root_owner=0:0,lazy_itable_init=1,lazy_journal_init=1,nodiscard");
    if (fromDir != null) {
      c.arg("-d").arg(fromDir.toString());
    }
    c.arg(file.toString()).timeout(Duration.ofMinutes(10));
    check(c.build(), "mkfs.ext4 of " + file);
  }

  /** {@code e2fsck -fp}: a forced check that repairs what is safe; exit 1 (fixed) is success. */
  public void checkAndRepair(Path file) {
    CommandResult r =
        run(
            Command.of("e2fsck", "-f", "-p", file.toString())
                .timeout(Duration.ofMinutes(10))
                .build());
    if (r.exitCode() > 1) {
      throw failed("e2fsck -fp of " + file, r);
    }
  }

  /** {@code e2fsck -fn}: a read-only check; true when the filesystem is clean. */
  public boolean isClean(Path file) {
    return run(Command.of("e2fsck", "-f", "-n", file.toString())
                .timeout(Duration.ofMinutes(10))
                .build())
            .exitCode()
        == 0;
  }

  /** The report of {@code e2fsck -fn}, for error messages and tests. */
  public String checkReport(Path file) {
    CommandResult r =
        run(
            Command.of("e2fsck", "-f", "-n", file.toString())
                .timeout(Duration.ofMinutes(10))
                .build());
    return r.stdoutText() + r.stderrText();
  }

  /**
   * Replays the journal of an image a guest has used (docs/architecture.md §8: debugfs writes on an
   * unreplayed journal are silently lost at the next replay). About 7 ms.
   */
  public void replayJournal(Path file) {
    CommandResult r =
        run(Command.of("e2fsck", "-E", "journal_only", "-p", file.toString()).build());
    if (r.exitCode() > 1) {
      throw failed("journal replay of " + file, r);
    }
  }

  /**
   * Grows a regular image file and its filesystem to {@code sizeBytes}: {@code e2fsck -fp}
   * (resize2fs insists on a freshly checked filesystem) then {@code resize2fs}.
   */
  public void grow(Path file, long sizeBytes) {
    long current;
    try {
      current = Files.size(file);
    } catch (IOException e) {
      throw new Ext4Exception(
          Ext4Exception.Kind.NOT_AN_IMAGE, "cannot stat " + file + ": " + e.getMessage(), e);
    }
    if (sizeBytes < current) {
      throw new Ext4Exception(
          Ext4Exception.Kind.OUT_OF_RANGE,
          "cannot shrink " + file + " from " + current + " to " + sizeBytes + " bytes");
    }
    if (sizeBytes % 4096 != 0) {
      throw new Ext4Exception(
          Ext4Exception.Kind.OUT_OF_RANGE, "size " + sizeBytes + " is not a multiple of 4096");
    }
    if (sizeBytes == current) {
      return;
    }
    checkAndRepair(file);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(sizeBytes);
    } catch (IOException e) {
      throw new Ext4Exception(
          Ext4Exception.Kind.TOOL_FAILED, "cannot extend " + file + ": " + e.getMessage(), e);
    }
    check(
        Command.of("resize2fs", file.toString(), (sizeBytes / 1024) + "K")
            .timeout(Duration.ofMinutes(10))
            .build(),
        "resize2fs of " + file);
  }

  private void check(Command c, String what) {
    CommandResult r = run(c);
    if (!r.succeeded()) {
      throw failed(what, r);
    }
  }

  private CommandResult run(Command c) {
    try {
      return runner.run(c);
    } catch (CommandFailedException e) {
      throw new Ext4Exception(Ext4Exception.Kind.TOOL_FAILED, e.getMessage(), e);
    }
  }

  private static Ext4Exception failed(String what, CommandResult r) {
    String err = (r.stderrText().strip() + " " + r.stdoutText().strip()).strip();
    if (err.length() > 600) {
      err = err.substring(0, 600) + "…";
    }
    return new Ext4Exception(
        Ext4Exception.Kind.TOOL_FAILED, what + " failed (exit " + r.exitCode() + "): " + err);
  }
}
