package dev.banger.ext4;

import dev.banger.kit.text.Printable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An absolute path inside an ext4 image, validated so it can be handed to debugfs safely.
 *
 * <p>debugfs's command parser splits on whitespace and understands double quotes but has no
 * reliable escape for {@code "}, and a newline ends a script line. A backslash is no escape to it:
 * it is an ordinary byte, inside quotes too (systemd's unit names, {@code
 * system-systemd\x2dcryptsetup.slice}, rely on that; Ext4ToolkitTest checks every operation). So a
 * path is always emitted double-quoted (spaces and shell metacharacters are then plain bytes), and
 * anything the quoting cannot carry is refused rather than guessed at: {@code "}, every control
 * character, relative paths, empty, {@code .} and {@code ..} components, and names longer than ext4
 * allows. Refusing {@code ..} is not about escaping the image (debugfs never touches host paths)
 * but about writing the inode the caller meant.
 */
public final class GuestPath implements Comparable<GuestPath> {

  /** ext4's limit for one directory entry name, in bytes. */
  public static final int MAX_NAME_BYTES = 255;

  /** Linux's PATH_MAX less the terminating NUL. */
  public static final int MAX_PATH_BYTES = 4095;

  public static final GuestPath ROOT = new GuestPath("/");

  private final String path;

  private GuestPath(String path) {
    this.path = path;
  }

  /**
   * Validates {@code raw}.
   *
   * @throws Ext4Exception of kind INVALID_ARGUMENT naming the first problem found
   */
  public static GuestPath of(String raw) {
    String why = problem(raw);
    if (why != null) {
      throw new Ext4Exception(
          Ext4Exception.Kind.INVALID_ARGUMENT, "guest path " + printable(raw) + " " + why);
    }
    return raw.equals("/") ? ROOT : new GuestPath(raw);
  }

  /** Why {@code raw} is refused, or null when it is acceptable. */
  static String problem(String raw) {
    if (raw == null || raw.isEmpty()) {
      return "is empty";
    }
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        return String.format("contains control character U+%04X at index %d", (int) c, i);
      }
      if (c == '"') {
        return "contains \" at index " + i + ", which debugfs cannot quote";
      }
      if (Character.isSurrogate(c) && !validSurrogateAt(raw, i)) {
        return "contains an unpaired surrogate at index " + i;
      }
    }
    if (raw.charAt(0) != '/') {
      return "is not absolute (must start with /)";
    }
    if (raw.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      return "is longer than " + MAX_PATH_BYTES + " bytes";
    }
    if (raw.equals("/")) {
      return null;
    }
    for (String part : raw.substring(1).split("/", -1)) {
      if (part.isEmpty()) {
        return "has an empty component (// or a trailing /)";
      }
      if (part.equals(".") || part.equals("..")) {
        return "has a '" + part + "' component";
      }
      if (part.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        return "has a component longer than " + MAX_NAME_BYTES + " bytes";
      }
    }
    return null;
  }

  private static boolean validSurrogateAt(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  /** For error messages: quoted, control characters shown as escapes. */
  static String printable(String raw) {
    return Printable.quoted(raw, 120);
  }

  /** The path as debugfs reads it: always double-quoted. */
  public String quoted() {
    return '"' + path + '"';
  }

  public boolean isRoot() {
    return path.equals("/");
  }

  /** The parent directory; the root is its own parent. */
  public GuestPath parent() {
    if (isRoot()) {
      return this;
    }
    int slash = path.lastIndexOf('/');
    return slash == 0 ? ROOT : new GuestPath(path.substring(0, slash));
  }

  /** The last component; empty for the root. */
  public String name() {
    return isRoot() ? "" : path.substring(path.lastIndexOf('/') + 1);
  }

  /** Every proper ancestor, shallowest first, excluding the root. */
  public List<GuestPath> ancestors() {
    List<GuestPath> out = new ArrayList<>();
    for (GuestPath p = parent(); !p.isRoot(); p = p.parent()) {
      out.addFirst(p);
    }
    return out;
  }

  /**
   * A child of this directory; {@code name} is validated as one component. A {@code /} in it, or an
   * empty or null name, is refused: pasted onto the path it would still make a valid path, but one
   * deeper (or the root, or {@code /null}) rather than the child asked for.
   */
  public GuestPath child(String name) {
    if (name == null || name.isEmpty() || name.indexOf('/') >= 0) {
      throw new Ext4Exception(
          Ext4Exception.Kind.INVALID_ARGUMENT,
          "guest path name " + printable(name) + " is not one path component");
    }
    return of(isRoot() ? "/" + name : path + "/" + name);
  }

  /** Depth in components: 0 for the root. */
  public int depth() {
    return isRoot() ? 0 : (int) path.chars().filter(c -> c == '/').count();
  }

  @Override
  public int compareTo(GuestPath o) {
    return path.compareTo(o.path);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GuestPath g && g.path.equals(path);
  }

  @Override
  public int hashCode() {
    return path.hashCode();
  }

  @Override
  public String toString() {
    return path;
  }
}
