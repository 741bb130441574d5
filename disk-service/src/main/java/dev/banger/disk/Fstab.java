package dev.banger.disk;

import dev.banger.ext4.GuestPath;
import dev.banger.kit.grpc.Errors;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Renders a guest's {@code /etc/fstab} the way the seed's {@code patchRootOverlay} builder does:
 * lines mounting a dropped or re-added target go, every other line (comments, blank lines,
 * unrelated mounts) is kept byte for byte, and the added mounts are appended in order.
 */
final class Fstab {

  /** One mount to add; fields are validated so a value cannot become two fstab columns. */
  record Mount(String source, String target, String fsType, String options, int dump, int pass) {

    private static final Pattern FIELD = Pattern.compile("^[\\x21-\\x7e&&[^#]]{1,255}$");

    Mount {
      field("source", source);
      GuestPath.of(target);
      field("target", target);
      field("fs_type", fsType);
      field("options", options == null || options.isEmpty() ? "defaults" : options);
      options = options == null || options.isEmpty() ? "defaults" : options;
      if (dump < 0 || dump > 1 || pass < 0 || pass > 2) {
        throw Errors.invalidArgument(
            "fstab_add", "fstab entry for " + target + ": dump must be 0 or 1 and pass 0..2");
      }
    }

    private static void field(String name, String v) {
      if (v == null || !FIELD.matcher(v).matches()) {
        throw Errors.invalidArgument(
            "fstab_add",
            "fstab "
                + name
                + " \""
                + PathGuard.printable(v == null ? "" : v)
                + "\" must be 1..255 printable characters without spaces or #");
      }
    }

    String line() {
      return source + " " + target + " " + fsType + " " + options + " " + dump + " " + pass;
    }
  }

  private Fstab() {}

  static String render(String existing, List<String> dropTargets, List<Mount> add) {
    Set<String> drop = new HashSet<>();
    for (String t : dropTargets) {
      drop.add(GuestPath.of(t).toString());
    }
    for (Mount m : add) {
      drop.add(m.target());
    }
    List<String> out = new ArrayList<>();
    if (!existing.isEmpty()) {
      String[] lines = existing.split("\n", -1);
      int n = existing.endsWith("\n") ? lines.length - 1 : lines.length;
      for (int i = 0; i < n; i++) {
        String target = targetOf(lines[i]);
        if (target == null || !drop.contains(target)) {
          out.add(lines[i]);
        }
      }
    }
    for (Mount m : add) {
      out.add(m.line());
    }
    return out.isEmpty() ? "" : String.join("\n", out) + "\n";
  }

  /** The mount point of a data line (octal escapes such as {@code \040} decoded), or null. */
  static String targetOf(String line) {
    String t = line.strip();
    if (t.isEmpty() || t.startsWith("#")) {
      return null;
    }
    String[] f = t.split("[ \t]+");
    if (f.length < 2) {
      return null;
    }
    String target = unescape(f[1]);
    return target.length() > 1 && target.endsWith("/")
        ? target.substring(0, target.length() - 1)
        : target;
  }

  private static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\\'
          && i + 3 < s.length()
          && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(s.charAt(i));
      }
    }
    return b.toString();
  }
}
