package dev.banger.cli;

import java.util.Locale;

/**
 * Sizes as people type them: {@code 512M}, {@code 8G}, {@code 1.5G}, {@code 1073741824} (bytes),
 * binary units.
 */
public final class Sizes {

  private Sizes() {}

  public static long bytes(String option, String text) {
    try {
      return dev.banger.kit.text.ByteSizes.parse(text);
    } catch (IllegalArgumentException e) {
      throw new CliException(option + " " + e.getMessage(), 2, null);
    }
  }

  public static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0
        ? bytes + " B"
        : String.format(Locale.ROOT, v >= 10 ? "%.0f %s" : "%.1f %s", v, units[u]);
  }
}
