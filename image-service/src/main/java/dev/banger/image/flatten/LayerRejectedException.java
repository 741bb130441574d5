package dev.banger.image.flatten;

/** A layer entry the flattener refuses; the message names the entry and the rule it broke. */
public final class LayerRejectedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String entry;

  public LayerRejectedException(String entry, String reason) {
    super("tar entry \"" + printable(entry) + "\": " + reason);
    this.entry = entry;
  }

  public String entry() {
    return entry;
  }

  /** Entry names are hostile: never echo a control character into a log or terminal. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().limit(300).forEach(c -> {
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        b.append(String.format("\\x%02x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return s.length() > 300 ? b + "…" : b.toString();
  }
}
