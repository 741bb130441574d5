package dev.banger.vm.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's TSC rate in kHz, for {@code tsc_early_khz}. Under TCG the guest's TSC runs at the
 * host's rate, so telling the guest skips a calibration loop that can hang (docs/architecture.md
 * §8). Read from sysfs when the kernel exports it, else from {@code cpu MHz} in /proc/cpuinfo.
 */
final class HostTsc {

  private static final Pattern CPU_MHZ =
      Pattern.compile("(?m)^cpu MHz\\s*:\\s*([0-9]+(?:\\.[0-9]+)?)$");

  private HostTsc() {}

  /** 0 when neither source says, and the argument is then left out. */
  static long khz() {
    try {
      Path sys = Path.of("/sys/devices/system/cpu/cpu0/tsc_freq_khz");
      if (Files.isReadable(sys)) {
        return Long.parseLong(Files.readString(sys).strip());
      }
      return fromCpuinfo(Files.readString(Path.of("/proc/cpuinfo")));
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  static long fromCpuinfo(String cpuinfo) {
    Matcher m = CPU_MHZ.matcher(cpuinfo);
    return m.find() ? Math.round(Double.parseDouble(m.group(1)) * 1000) : 0;
  }
}
