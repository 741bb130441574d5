package dev.banger.image.flatten;

import dev.banger.ext4.Ext4Exception;
import dev.banger.ext4.GuestPath;
import java.util.ArrayList;
import java.util.List;

/** Turns a tar entry's name into path components, or refuses it. */
final class EntryNames {

  private EntryNames() {}

  /**
   * Components of {@code name} relative to the image root. A leading {@code /} or {@code ./} is
   * dropped (absolute names mean the image root), as are empty and {@code .} components. An empty
   * list is the root itself.
   */
  static List<String> components(String name) {
    if (name.indexOf('\uFFFD') >= 0) {
      throw new LayerRejectedException(name, "the name is not valid UTF-8");
    }
    List<String> out = new ArrayList<>();
    for (String c : name.split("/", -1)) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        throw new LayerRejectedException(
            name, "path traversal (\"..\") is not allowed in layer entries");
      }
      out.add(c);
    }
    if (!out.isEmpty()) {
      requireCarriable(name, String.join("/", out));
    }
    return out;
  }

  /** The name must survive debugfs's quoting, which is how the ownership pass reaches it. */
  static void requireCarriable(String entry, String rel) {
    try {
      GuestPath.of("/" + rel);
    } catch (Ext4Exception e) {
      throw new LayerRejectedException(
          entry, "the name cannot be carried into the image: " + e.getMessage());
    }
  }
}
