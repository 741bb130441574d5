package dev.banger.kit.config;

import dev.banger.kit.text.Printable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks every catalog entry passes, embedded or configured, before image-service uses it. Each
 * value ends up in an mmdebstrap argument vector or an HTTP request, so the rules are narrow: names
 * and packages from Debian's own character sets, URLs only http(s) with a host. A violation is a
 * sentence naming the key ({@code image.catalog.<name>.debian.packages[2]}).
 */
public final class CatalogRules {

  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  /** Debian policy §5.6.7: lower case, digits, plus, minus, dots; at least two characters. */
  public static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]{1,99}");

  public static final Pattern SUITE = Pattern.compile("[a-z][a-z0-9-]{0,31}");
  public static final Pattern COMPONENT = Pattern.compile("[a-z][a-z0-9-]{0,31}");
  public static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** What an OCI reference may contain; image-service parses it fully at start-up. */
  static final Pattern OCI_CHARS = Pattern.compile("[A-Za-z0-9._:/@+-]{1,512}");

  /** mmdebstrap's variants (mmdebstrap(1), "--variant"). */
  public static final List<String> VARIANTS =
      List.of(
          "extract",
          "custom",
          "essential",
          "apt",
          "required",
          "minbase",
          "buildd",
          "important",
          "debootstrap",
          "standard");

  public static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";
  public static final String DEFAULT_VARIANT = "apt";
  static final int MAX_PACKAGES = 500;
  static final int MAX_URL = 2048;

  private CatalogRules() {}

  /** Checks every entry of a catalog table; the first violation throws. */
  public static void check(Map<String, CatalogEntryConfig> catalog) {
    if (catalog == null) {
      return;
    }
    for (var e : catalog.entrySet()) {
      check(e.getKey(), e.getValue());
    }
  }

  /**
   * @throws IllegalArgumentException a sentence naming the key
   */
  public static void check(String name, CatalogEntryConfig e) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "image.catalog."
              + Printable.quoted(name, 80)
              + ": catalog names must match "
              + NAME.pattern());
    }
    String key = "image.catalog." + name;
    if (e == null) {
      throw new IllegalArgumentException(
          key + " is empty: give exactly one of oci, debian, bundle");
    }
    int sources =
        (e.oci() != null ? 1 : 0) + (e.debian() != null ? 1 : 0) + (e.bundle() != null ? 1 : 0);
    if (sources != 1) {
      throw new IllegalArgumentException(
          key + " has " + sources + " sources: give exactly one of oci, debian, bundle");
    }
    if (e.oci() != null && !OCI_CHARS.matcher(e.oci()).matches()) {
      throw new IllegalArgumentException(
          key
              + ".oci "
              + Printable.quoted(e.oci(), 80)
              + " is not an OCI reference (letters, digits and ._:/@+- only, at most 512)");
    }
    if (e.debian() != null) {
      checkDebian(key + ".debian", e.debian());
    }
    if (e.bundle() != null) {
      checkBundle(key + ".bundle", e.bundle());
    }
  }

  private static void checkDebian(String key, CatalogEntryConfig.Debian d) {
    if (d.suite() == null || !SUITE.matcher(d.suite()).matches()) {
      throw new IllegalArgumentException(
          key
              + ".suite "
              + Printable.quoted(d.suite(), 80)
              + " must match "
              + SUITE.pattern()
              + " (e.g. bookworm)");
    }
    if (d.mirror() != null && httpUrl(key + ".mirror", d.mirror()).getRawQuery() != null) {
      throw new IllegalArgumentException(
          key
              + ".mirror "
              + Printable.quoted(d.mirror(), 120)
              + " must not have a ?query: apt appends paths to it");
    }
    if (d.variant() != null && !VARIANTS.contains(d.variant())) {
      throw new IllegalArgumentException(
          key
              + ".variant "
              + Printable.quoted(d.variant(), 80)
              + " is not one of "
              + String.join(", ", VARIANTS));
    }
    List<String> packages = d.packages() == null ? List.of() : d.packages();
    if (packages.size() > MAX_PACKAGES) {
      throw new IllegalArgumentException(
          key + ".packages lists " + packages.size() + " packages; at most " + MAX_PACKAGES);
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < packages.size(); i++) {
      String p = packages.get(i);
      if (p == null || !PACKAGE.matcher(p).matches()) {
        throw new IllegalArgumentException(
            key
                + ".packages["
                + i
                + "] "
                + Printable.quoted(p, 80)
                + " is not a Debian package name ("
                + PACKAGE.pattern()
                + ")");
      }
      if (!seen.add(p)) {
        throw new IllegalArgumentException(key + ".packages lists " + p + " twice");
      }
    }
    List<String> components = d.components() == null ? List.of() : d.components();
    if (d.components() != null && components.isEmpty()) {
      throw new IllegalArgumentException(key + ".components is empty; leave it out for main");
    }
    for (int i = 0; i < components.size(); i++) {
      String c = components.get(i);
      if (c == null || !COMPONENT.matcher(c).matches() || components.subList(0, i).contains(c)) {
        throw new IllegalArgumentException(
            key
                + ".components["
                + i
                + "] "
                + Printable.quoted(c, 80)
                + " must match "
                + COMPONENT.pattern()
                + " and appear once");
      }
    }
  }

  private static void checkBundle(String key, CatalogEntryConfig.Bundle b) {
    if (b.url() == null) {
      throw new IllegalArgumentException(key + ".url is missing");
    }
    httpUrl(key + ".url", b.url());
    if (b.sha256() == null || !SHA256.matcher(b.sha256()).matches()) {
      throw new IllegalArgumentException(
          key
              + ".sha256 "
              + Printable.quoted(b.sha256(), 80)
              + " must be 64 lower-case hex digits");
    }
  }

  /**
   * An absolute http(s) URL with a host, no user info, no fragment, nothing to unescape wrongly.
   */
  public static URI httpUrl(String key, String raw) {
    String shown = Printable.quoted(raw, 120);
    if (raw.length() > MAX_URL || raw.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
      throw new IllegalArgumentException(
          key
              + " "
              + shown
              + " must be a URL of printable ASCII without spaces, at most "
              + MAX_URL
              + " characters");
    }
    URI u;
    try {
      u = new URI(raw);
    } catch (URISyntaxException ex) {
      throw new IllegalArgumentException(key + " " + shown + " is not a URL: " + ex.getReason());
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme();
    if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
      throw new IllegalArgumentException(
          key + " " + shown + " must be an http:// or https:// URL with a host");
    }
    if (u.getRawUserInfo() != null || u.getRawFragment() != null) {
      throw new IllegalArgumentException(
          key + " " + shown + " must not carry user info or a #fragment");
    }
    return u;
  }
}
