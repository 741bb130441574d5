package dev.banger.image.oci;

/**
 * Quoting for strings that came from users or registries before they go into an error message:
 * control characters and non-ASCII are escaped (no terminal escapes or fake log lines reach a
 * user's screen) and long values are cut.
 */
final class Texts {

  private static final int MAX = 120;

  private Texts() {}

  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("\"");
    int limit = Math.min(s.length(), MAX);
    for (int i = 0; i < limit; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        sb.append(c);
      } else if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    if (s.length() > MAX) {
      sb.append("…(").append(s.length()).append(" chars)");
    }
    return sb.append('"').toString();
  }
}
