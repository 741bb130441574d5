package dev.banger.net.host;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Lines for {@code ip -batch -}. ip splits each line on blanks and treats quotes, backslashes and
 * '#' specially, so every token must be a plain word; anything else is a programming error
 * (arguments are validated long before they get here) and is refused outright.
 */
public final class IpBatch {

  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_.:/@+-]{1,128}");

  private final List<String> lines = new ArrayList<>();

  /** Adds one ip command line, e.g. {@code line("link", "set", "dev", name, "up")}. */
  public IpBatch line(String... tokens) {
    StringBuilder b = new StringBuilder();
    for (String t : tokens) {
      if (!b.isEmpty()) {
        b.append(' ');
      }
      b.append(token(t));
    }
    lines.add(b.toString());
    return this;
  }

  /** A token checked to be a plain word. */
  static String token(String t) {
    if (t == null || !PLAIN.matcher(t).matches()) {
      throw new IllegalArgumentException(
          "refusing to pass a non-plain token to ip: "
              + dev.banger.kit.text.Printable.quoted(t, 40));
    }
    return t;
  }

  public boolean isEmpty() {
    return lines.isEmpty();
  }

  public List<String> lines() {
    return List.copyOf(lines);
  }

  String script() {
    return String.join("\n", lines) + "\n";
  }
}
