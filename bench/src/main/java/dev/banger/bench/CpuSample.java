package dev.banger.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Host CPU at one instant, for where a copy's time went: the whole host's busy and total time
 * ({@code /proc/stat}) and the CPU time of chosen processes ({@code /proc/PID/stat} utime + stime,
 * plus cutime + cstime: the children it has waited for, such as the ssh client vm-service runs for
 * a workspace), in clock ticks (100 per second on Linux).
 */
record CpuSample(long hostBusy, long hostTotal, List<Long> processes) {

  static final double TICKS_PER_SECOND = 100.0;

  static CpuSample now(List<Long> pids) throws IOException {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
    long total = 0;
    long idle = 0;
    for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
      long v = Long.parseLong(f[i]);
      total += v;
      if (i == 4 || i == 5) {
        idle += v;
      }
    }
    List<Long> procs = new ArrayList<>();
    for (long pid : pids) {
      procs.add(processTicks(pid));
    }
    return new CpuSample(total - idle, total, procs);
  }

  /**
   * utime + stime of one process (all its threads) and of its waited-for children; 0 once it is
   * gone.
   */
  static long processTicks(long pid) throws IOException {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    if (!Files.exists(stat)) {
      return 0;
    }
    String s = Files.readString(stat);
    // Fields after the command name, which is in parentheses and may hold spaces.
    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
    // fields 14-17 of stat(5): utime, stime, cutime, cstime
    return Long.parseLong(f[11])
        + Long.parseLong(f[12])
        + Long.parseLong(f[13])
        + Long.parseLong(f[14]);
  }

  /** Host cores busy on average between {@code before} and this sample. */
  double coresBusySince(CpuSample before, int cores) {
    long dt = hostTotal - before.hostTotal;
    return dt == 0 ? 0 : cores * (double) (hostBusy - before.hostBusy) / dt;
  }

  /** CPU seconds process {@code i} used since {@code before}. */
  double processSecondsSince(CpuSample before, int i) {
    return (processes.get(i) - before.processes.get(i)) / TICKS_PER_SECOND;
  }
}
