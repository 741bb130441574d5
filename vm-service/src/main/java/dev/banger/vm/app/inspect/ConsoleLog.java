package dev.banger.vm.app.inspect;

import dev.banger.vm.app.VmLookup;
import dev.banger.vm.runtime.VmPaths;
import dev.banger.vm.store.VmRecord;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * A VM's serial console (GetVmLogs): the file QEMU writes, read from an offset and, when followed,
 * polled for what the guest prints next. A new boot truncates the file; the reader then starts
 * over.
 */
public final class ConsoleLog {

  /** Where the chunks go; the caller's stream, or a test's list. */
  public interface Sink {
    /** True once the reader has gone: a follow stops. */
    boolean cancelled();

    void chunk(byte[] data, int length);
  }

  /** A chunk per message; a follow polls the file this often (the console is a plain file). */
  static final int CHUNK = 64 * 1024;

  static final long FOLLOW_POLL_MS = 200;

  private final VmLookup vms;
  private final VmPaths paths;

  public ConsoleLog(VmLookup vms, VmPaths paths) {
    this.vms = vms;
    this.paths = paths;
  }

  /**
   * @param tailLines 0 for the whole console, else only its last lines
   * @param follow keep reading until the sink is cancelled
   */
  public void read(String vmRef, int tailLines, boolean follow, Sink sink)
      throws IOException, InterruptedException, SQLException {
    if (tailLines < 0) {
      throw dev.banger.vm.app.VmProblem.invalid(
          "tail_lines", "tail_lines must not be negative, got " + tailLines);
    }
    VmRecord v = vms.find(vmRef);
    Path log = paths.runDir(v.id()).resolve("console.log");
    long pos = 0;
    if (Files.exists(log) && tailLines > 0) {
      pos = tailOffset(log, tailLines);
    }
    byte[] buf = new byte[CHUNK];
    while (!sink.cancelled()) {
      if (Files.exists(log)) {
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
          if (f.length() < pos) {
            pos = 0; // a new boot truncated the console
          }
          f.seek(pos);
          int n;
          while (!sink.cancelled() && (n = f.read(buf)) > 0) {
            sink.chunk(buf, n);
            pos += n;
          }
        }
      }
      if (!follow) {
        break;
      }
      Thread.sleep(FOLLOW_POLL_MS);
    }
  }

  /** Offset of the start of the last {@code lines} lines, read backwards in chunks. */
  public static long tailOffset(Path file, int lines) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long end = f.length();
      long pos = end;
      int seen = 0;
      byte[] buf = new byte[8192];
      // A trailing newline ends the last line rather than starting an empty one.
      boolean skipFirst = end > 0 && readByte(f, end - 1) == '\n';
      while (pos > 0) {
        int n = (int) Math.min(buf.length, pos);
        pos -= n;
        f.seek(pos);
        f.readFully(buf, 0, n);
        for (int i = n - 1; i >= 0; i--) {
          if (buf[i] == '\n') {
            if (skipFirst && pos + i == end - 1) {
              continue;
            }
            if (++seen == lines) {
              return pos + i + 1;
            }
          }
        }
      }
      return 0;
    }
  }

  private static int readByte(RandomAccessFile f, long at) throws IOException {
    f.seek(at);
    return f.read();
  }
}
