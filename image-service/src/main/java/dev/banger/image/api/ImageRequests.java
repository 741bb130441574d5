package dev.banger.image.api;

import dev.banger.image.app.ImageNames;
import dev.banger.image.oci.ImageReference;
import dev.banger.kit.grpc.Errors;
import java.util.List;
import java.util.regex.Pattern;

/** Validation of what callers send: every field is treated as hostile. */
final class ImageRequests {

  static final Pattern VM_ID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /** Larger than any rootfs we mean to build; stops a typo from filling the disk. */
  static final long MAX_SIZE_BYTES = 1L << 40;

  private ImageRequests() {}

  static ImageReference reference(String raw) {
    return ImageNames.reference(raw);
  }

  static String name(String field, String raw) {
    return ImageNames.name(field, raw);
  }

  static String vmId(String raw) {
    if (!VM_ID.matcher(raw).matches()) {
      throw Errors.invalidArgument(
          "vm_id", "vm_id must be a lower-case UUID (got " + ImageNames.quoted(raw) + ")");
    }
    return raw;
  }

  /** At most this many packages on one pull, as in a configured recipe. */
  static final int MAX_PACKAGES = 500;

  /**
   * Debian package names ({@code CatalogRules.PACKAGE}); a pull that adds packages makes a new
   * image, so it must be named: the recipe's own name is the plain recipe's.
   */
  static List<String> packages(List<String> raw, String name) {
    if (raw.isEmpty()) {
      return List.of();
    }
    if (raw.size() > MAX_PACKAGES) {
      throw Errors.invalidArgument(
          "packages", "packages lists " + raw.size() + " packages; at most " + MAX_PACKAGES);
    }
    for (String p : raw) {
      if (!dev.banger.kit.config.CatalogRules.PACKAGE.matcher(p).matches()) {
        throw Errors.invalidArgument(
            "packages",
            "packages: "
                + ImageNames.quoted(p)
                + " is not a Debian package name ("
                + dev.banger.kit.config.CatalogRules.PACKAGE.pattern()
                + ")");
      }
    }
    if (name.isEmpty()) {
      throw Errors.invalidArgument(
          "name", "an image with added packages is an image of its own: give it a name (--name)");
    }
    return List.copyOf(raw);
  }

  static long size(long raw) {
    if (raw < 0 || raw > MAX_SIZE_BYTES) {
      throw Errors.invalidArgument(
          "size_bytes", "size_bytes must be between 0 (automatic) and " + MAX_SIZE_BYTES);
    }
    return raw;
  }

  /**
   * A file the caller names on the host: absolute, already normal (no ".", ".." or "//"), no NUL,
   * at most 4096 characters. Whether it exists and what it is are checked by the caller, after
   * resolving symlinks.
   */
  static java.nio.file.Path hostPath(String field, String raw) {
    if (raw.isEmpty()) {
      throw Errors.invalidArgument(field, field + " is required");
    }
    if (raw.length() > 4096 || raw.indexOf('\0') >= 0 || !raw.startsWith("/")) {
      throw Errors.invalidArgument(
          field,
          field
              + " must be an absolute path of at most 4096 characters (got "
              + ImageNames.quoted(raw)
              + ")");
    }
    java.nio.file.Path p = java.nio.file.Path.of(raw);
    if (!p.normalize().toString().equals(raw)) {
      throw Errors.invalidArgument(
          field,
          field
              + " must be a normal path without \".\", \"..\", \"//\" or a"
              + " trailing \"/\" (got "
              + ImageNames.quoted(raw)
              + ")");
    }
    return p;
  }

  static void requestId(String raw) {
    String problem = dev.banger.kit.text.RequestIds.problem(raw);
    if (problem != null) {
      throw Errors.invalidArgument("request_id", problem);
    }
  }
}
