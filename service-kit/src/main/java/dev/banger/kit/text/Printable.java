package dev.banger.kit.text;

/**
 * Hostile strings (paths, names, tar entries) shown in error messages and logs: C0 and C1 control
 * characters, DEL, quotes and backslashes become {@code \xNN}, so no terminal escape, fake log line
 * or misleading quote reaches a user's screen; long values are cut with "…".
 */
public final class Printable {

  private Printable() {}

  /** {@code raw} in double quotes, at most {@code max} code points shown; "(null)" for null. */
  public static String quoted(String raw, int max) {
    return raw == null ? "(null)" : '"' + bare(raw, max) + '"';
  }

  /** The same without the quotes, for callers that quote themselves. */
  public static String bare(String raw, int max) {
    StringBuilder b = new StringBuilder();
    int[] shown = {0};
    raw.codePoints()
        .limit(max)
        .forEach(
            c -> {
              shown[0]++;
              if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '"' || c == '\\') {
                b.append(String.format("\\x%02x", c));
              } else {
                b.appendCodePoint(c);
              }
            });
    return raw.codePointCount(0, raw.length()) > shown[0] ? b + "…" : b.toString();
  }
}
