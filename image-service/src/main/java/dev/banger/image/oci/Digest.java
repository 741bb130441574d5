package dev.banger.image.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A content digest, {@code sha256:<64 hex>} or {@code sha512:<128 hex>}. Only lowercase hex is
 * accepted: the OCI spec says so, and one spelling per digest keeps cache paths and map keys
 * unambiguous. Digests arrive from registries and users, so parsing rejects everything else.
 */
public record Digest(String algorithm, String hex) {

  public Digest {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(hex, "hex");
    int want = hexLength(algorithm);
    if (want < 0) {
      throw new IllegalArgumentException(
          "digest algorithm " + Texts.quote(algorithm) + " is not supported (sha256 or sha512)");
    }
    if (hex.length() != want) {
      throw new IllegalArgumentException(
          "a "
              + algorithm
              + " digest has "
              + want
              + " hex digits, got "
              + hex.length()
              + " in "
              + Texts.quote(hex));
    }
    for (int i = 0; i < hex.length(); i++) {
      char c = hex.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        throw new IllegalArgumentException(
            "digest hex must be lowercase 0-9a-f, got " + Texts.quote(hex));
      }
    }
  }

  /** Parses {@code algorithm:hex}; throws IllegalArgumentException naming what is wrong. */
  public static Digest parse(String s) {
    Objects.requireNonNull(s, "digest");
    int colon = s.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("digest " + Texts.quote(s) + " is not algorithm:hex");
    }
    return new Digest(s.substring(0, colon), s.substring(colon + 1));
  }

  public static Digest sha256(byte[] bytes) {
    return newHasher("sha256").digestOf(bytes);
  }

  /** A hasher for the same algorithm as this digest, to verify content against it. */
  public Hasher newHasher() {
    return newHasher(algorithm);
  }

  public static Hasher newHasher(String algorithm) {
    if (hexLength(algorithm) < 0) {
      throw new IllegalArgumentException(
          "digest algorithm " + Texts.quote(algorithm) + " is not supported");
    }
    return new Hasher(algorithm);
  }

  /** The same content under this digest's algorithm: true when {@code bytes} hash to it. */
  public boolean matches(byte[] bytes) {
    return newHasher().digestOf(bytes).equals(this);
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }

  /** First 12 hex digits, as docker prints them; for progress lines, never for identity. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  private static int hexLength(String algorithm) {
    return switch (algorithm) {
      case "sha256" -> 64;
      case "sha512" -> 128;
      default -> -1;
    };
  }

  /**
   * Streams bytes into a digest and counts them, so a download can be checked for both content and
   * size as it is written (and resumed: feed the bytes already on disk first).
   */
  public static final class Hasher {
    private final String algorithm;
    private final MessageDigest md;
    private long count;

    private Hasher(String algorithm) {
      this.algorithm = algorithm;
      try {
        this.md = MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK always has SHA-256 and SHA-512", e);
      }
    }

    public void update(byte[] b, int off, int len) {
      md.update(b, off, len);
      count += len;
    }

    public long count() {
      return count;
    }

    /** Feeds {@code bytes} and returns the digest: for content already in memory. */
    public Digest digestOf(byte[] bytes) {
      update(bytes, 0, bytes.length);
      return digest();
    }

    /** The digest of everything fed so far, leaving this hasher able to take more. */
    public Digest peek() {
      try {
        return new Digest(
            algorithm, HexFormat.of().formatHex(((MessageDigest) md.clone()).digest()));
      } catch (CloneNotSupportedException e) {
        throw new IllegalStateException("the JDK's SHA digests can be cloned", e);
      }
    }

    /** The digest of everything fed so far. Ends this hasher. */
    public Digest digest() {
      return new Digest(algorithm, HexFormat.of().formatHex(md.digest()));
    }
  }
}
