package dev.banger.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes as people type them: {@code 512M}, {@code 8G}, {@code 1.5G}, {@code 1073741824} (bytes), binary units. */
final class Sizes {

  private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([KMGT]?)(?:I?B)?");

  private Sizes() {}

  static long bytes(String option, String text) {
    Matcher m = SIZE.matcher(text.strip().toUpperCase(Locale.ROOT));
    if (!m.matches()) {
      throw new CliException(option + " must be a size like 512M, 8G or a number of bytes, got \"" + text + "\"", 2,
          null);
    }
    int shift = switch (m.group(2)) {
      case "K" -> 10;
      case "M" -> 20;
      case "G" -> 30;
      case "T" -> 40;
      default -> 0;
    };
    double v = Double.parseDouble(m.group(1)) * (1L << shift);
    if (v > Long.MAX_VALUE / 2) {
      throw new CliException(option + " " + text + " is too large", 2, null);
    }
    return (long) v;
  }

  static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, v >= 10 ? "%.0f %s" : "%.1f %s", v, units[u]);
  }
}
