package dev.banger.kit.text;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as people type them: {@code 512M}, {@code 8G}, {@code 1.5G}, {@code 1073741824} (bytes);
 * binary units.
 */
public final class ByteSizes {

  private static final Pattern SIZE =
      Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([KMGT]?)(?:I?B)?");

  private ByteSizes() {}

  /**
   * @throws IllegalArgumentException naming what was wrong with {@code text}
   */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text.strip().toUpperCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "must be a size like 512M, 8G or a number of bytes, got \"" + text + "\"");
    }
    int shift =
        switch (m.group(2)) {
          case "K" -> 10;
          case "M" -> 20;
          case "G" -> 30;
          case "T" -> 40;
          default -> 0;
        };
    double v = Double.parseDouble(m.group(1)) * (1L << shift);
    if (v > Long.MAX_VALUE / 2) {
      throw new IllegalArgumentException(text + " is too large");
    }
    return (long) v;
  }
}
