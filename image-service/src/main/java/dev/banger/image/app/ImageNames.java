package dev.banger.image.app;

import dev.banger.image.oci.ImageReference;
import dev.banger.kit.text.Printable;
import java.util.Locale;
import java.util.regex.Pattern;

/** The rules for image names and references, shared by the api's checks and the use cases. */
public final class ImageNames {

  /** An image or kernel name. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  private ImageNames() {}

  /** The name, or INVALID_ARGUMENT naming {@code field}. */
  public static String name(String field, String raw) {
    if (!NAME.matcher(raw).matches()) {
      throw ImageProblem.invalid(
          field, field + " must match " + NAME.pattern() + " (got " + quoted(raw) + ")");
    }
    return raw;
  }

  /** An OCI reference, or INVALID_ARGUMENT naming the field {@code reference}. */
  public static ImageReference reference(String raw) {
    if (raw.isEmpty()) {
      throw ImageProblem.invalid(
          "reference", "an image reference is required, e.g. docker.io/library/debian:bookworm");
    }
    try {
      return ImageReference.parse(raw);
    } catch (IllegalArgumentException e) {
      throw ImageProblem.invalid("reference", e.getMessage());
    }
  }

  /**
   * {@code debian-bookworm} is a catalog name; {@code debian:bookworm}, {@code library/debian} are
   * OCI.
   */
  public static boolean isCatalogName(String reference) {
    return NAME.matcher(reference).matches() && reference.indexOf(':') < 0;
  }

  /**
   * The name a pull gets when none is given: last path component and tag, e.g. "debian-bookworm".
   */
  public static String derivedName(ImageReference ref) {
    String repo = ref.repository().substring(ref.repository().lastIndexOf('/') + 1);
    String tag = ref.tag() != null ? ref.tag() : ref.digest().hex().substring(0, 12);
    String n = (repo + "-" + tag).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    n = n.replaceFirst("^[^a-z0-9]+", "");
    return n.length() > 63 ? n.substring(0, 63) : n;
  }

  /** Echoes hostile input safely: quoted, control characters escaped, cut at 80 characters. */
  public static String quoted(String raw) {
    return Printable.quoted(raw, 80);
  }
}
