package dev.banger.image.oci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge from a {@code WWW-Authenticate} header (RFC 7235): a scheme and its parameters.
 * Registries send {@code Bearer realm="…",service="…",scope="…"} or {@code Basic realm="…"}; a
 * scope can hold commas ({@code repository:a:pull,push}) so values are read as quoted strings, not
 * split on commas.
 *
 * @param scheme lowercase ({@code bearer}, {@code basic})
 * @param params parameter names lowercase, values unquoted
 */
public record AuthChallenge(String scheme, Map<String, String> params) {

  public AuthChallenge {
    scheme = scheme.toLowerCase(Locale.ROOT);
    params = Map.copyOf(params);
  }

  public String realm() {
    return params.get("realm");
  }

  public String service() {
    return params.get("service");
  }

  public String scope() {
    return params.get("scope");
  }

  public boolean isBearer() {
    return scheme.equals("bearer");
  }

  public boolean isBasic() {
    return scheme.equals("basic");
  }

  /** Every challenge in the header, in order; malformed tails are dropped, never guessed at. */
  public static List<AuthChallenge> parse(String header) {
    List<AuthChallenge> out = new ArrayList<>();
    if (header == null) {
      return out;
    }
    Cursor c = new Cursor(header);
    while (true) {
      c.skip(" \t,");
      String scheme = c.token();
      if (scheme.isEmpty()) {
        return out;
      }
      Map<String, String> params = new LinkedHashMap<>();
      while (true) {
        c.skip(" \t");
        int mark = c.pos;
        String name = c.token();
        c.skip(" \t");
        if (name.isEmpty() || !c.take('=')) {
          // Not name=value: the start of the next challenge (or junk).
          c.pos = mark;
          break;
        }
        c.skip(" \t");
        String value = c.peek() == '"' ? c.quoted() : c.token();
        if (value == null) {
          out.add(new AuthChallenge(scheme, params));
          return out;
        }
        params.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
        c.skip(" \t");
        if (!c.take(',')) {
          break;
        }
      }
      // Each round consumed a non-empty scheme, so this loop always ends.
      out.add(new AuthChallenge(scheme, params));
    }
  }

  /** A position in the header; all reads stop at the end rather than throwing. */
  private static final class Cursor {
    private static final String TOKEN_CHARS = "!#$%&'*+-.^_`|~";
    private final String s;
    private int pos;

    Cursor(String s) {
      this.s = s;
    }

    char peek() {
      return pos < s.length() ? s.charAt(pos) : '\0';
    }

    boolean take(char ch) {
      if (peek() == ch && pos < s.length()) {
        pos++;
        return true;
      }
      return false;
    }

    void skip(String chars) {
      while (pos < s.length() && chars.indexOf(s.charAt(pos)) >= 0) {
        pos++;
      }
    }

    String token() {
      int start = pos;
      while (pos < s.length()) {
        char ch = s.charAt(pos);
        if (Character.isLetterOrDigit(ch) && ch < 0x80 || TOKEN_CHARS.indexOf(ch) >= 0) {
          pos++;
        } else {
          break;
        }
      }
      return s.substring(start, pos);
    }

    /** A quoted-string with backslash escapes; null when the closing quote is missing. */
    String quoted() {
      StringBuilder sb = new StringBuilder();
      pos++;
      while (pos < s.length()) {
        char ch = s.charAt(pos++);
        if (ch == '"') {
          return sb.toString();
        }
        if (ch == '\\' && pos < s.length()) {
          ch = s.charAt(pos++);
        }
        sb.append(ch);
      }
      return null;
    }
  }
}
