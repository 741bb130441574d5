package dev.banger.vm.runtime;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandRunner;
import dev.banger.vm.ports.HostUsage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** {@link HostUsage} from Linux's /proc and {@code stat(1)}. */
public final class ProcHostUsage implements HostUsage {

  /**
   * Linux's USER_HZ, the unit of utime/stime in /proc/<pid>/stat on every architecture banger runs
   * on.
   */
  static final double CLOCK_TICKS = 100.0;

  private final CommandRunner commands;

  public ProcHostUsage(CommandRunner commands) {
    this.commands = commands;
  }

  @Override
  public Optional<ProcessUsage> process(long pid) throws IOException {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
      // Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLOCK_TICKS;
      long rss = 0;
      for (String line :
          Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      return Optional.of(new ProcessUsage(cpu, rss));
    } catch (NoSuchFileException gone) {
      return Optional.empty();
    }
  }

  /** st_blocks × block unit, through stat(1): the JDK does not expose st_blocks. */
  @Override
  public long allocatedBytes(Path p) throws IOException {
    if (!Files.exists(p)) {
      return 0;
    }
    try {
      String[] out =
          commands
              .check(Command.of("stat", "-c", "%b %B", "--", p.toString()).build())
              .stdoutText()
              .strip()
              .split(" ");
      return Long.parseLong(out[0]) * Long.parseLong(out[1]);
    } catch (CommandFailedException | RuntimeException e) {
      return Files.size(p);
    }
  }
}
