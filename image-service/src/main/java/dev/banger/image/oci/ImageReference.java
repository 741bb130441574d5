package dev.banger.image.oci;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A docker-style image reference, {@code [host[:port]/]repo/path[:tag][@digest]}, parsed by the
 * distribution spec's grammar. References come from users, so anything outside the grammar is
 * refused with an {@link IllegalArgumentException} that says which part is wrong.
 *
 * <p>{@code registry} is the host the API is spoken to: Docker Hub's names ({@code docker.io},
 * {@code index.docker.io}) become {@code registry-1.docker.io}, while {@link #canonical()} keeps
 * the {@code docker.io/library/debian:latest} form people recognise.
 *
 * @param registry API host, lowercase, with {@code :port} when one was given
 * @param repository path inside the registry, e.g. {@code library/debian}
 * @param tag the tag, or null when only a digest was given
 * @param digest the digest, or null when pulling by tag
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

  public static final String DOCKER_HUB_API = "registry-1.docker.io";
  public static final String DOCKER_HUB = "docker.io";

  /**
   * The whole reference; docker's own limit on the name is 255, this leaves room for tag and
   * digest.
   */
  private static final int MAX_REFERENCE = 512;

  private static final int MAX_NAME = 255;
  private static final Pattern PATH_COMPONENT =
      Pattern.compile("[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern DOMAIN_COMPONENT =
      Pattern.compile("[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+");

  /**
   * Checks the parts again when built directly (from a database row, say): the repository and tag
   * go into URL paths, so they must never be anything the grammar does not allow.
   */
  public ImageReference {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(repository, "repository");
    if (tag == null && digest == null) {
      throw new IllegalArgumentException("an image reference needs a tag or a digest");
    }
    String display = registry + "/" + repository;
    if (!registry.equals(registryHost(display, registry))) {
      throw bad(display, "registry " + Texts.quote(registry) + " is not a lowercase API host");
    }
    validatePath(display, repository, registry);
    if (tag != null && !TAG.matcher(tag).matches()) {
      throw bad(
          display, "tag " + Texts.quote(tag) + " must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    }
  }

  /** Parses a user-typed reference; defaults to Docker Hub and {@code :latest} like docker does. */
  public static ImageReference parse(String input) {
    if (input == null || input.isEmpty()) {
      throw new IllegalArgumentException("image reference is empty");
    }
    if (input.length() > MAX_REFERENCE) {
      throw bad(
          input, "it is " + input.length() + " characters long (at most " + MAX_REFERENCE + ")");
    }
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        throw bad(
            input,
            "it contains "
                + (c == ' ' ? "a space" : String.format("the character U+%04X", (int) c))
                + " at position "
                + i);
      }
    }
    String rest = input;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      String d = rest.substring(at + 1);
      rest = rest.substring(0, at);
      try {
        digest = Digest.parse(d);
      } catch (IllegalArgumentException e) {
        throw bad(input, "the digest is invalid: " + e.getMessage());
      }
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw bad(
            input, "tag " + Texts.quote(tag) + " must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
      }
    }
    String domain = null;
    String path = rest;
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      String first = rest.substring(0, slash);
      // docker's rule: the first component is a host when it has a dot or port, is localhost,
      // or has uppercase letters (repository paths are lowercase, so it cannot be one).
      if (first.contains(".")
          || first.contains(":")
          || first.equals("localhost")
          || !first.equals(first.toLowerCase())) {
        domain = first;
        path = rest.substring(slash + 1);
      }
    }
    String registry = domain == null ? DOCKER_HUB_API : registryHost(input, domain);
    if (registry.equals(DOCKER_HUB_API) && !path.contains("/")) {
      path = "library/" + path;
    }
    validatePath(input, path, registry);
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(registry, path, tag, digest);
  }

  /** {@link #parse}, reporting a bad reference as {@link RegistryException.Kind#BAD_REFERENCE}. */
  public static ImageReference parseChecked(String input) throws RegistryException {
    try {
      return parse(input);
    } catch (IllegalArgumentException e) {
      throw new RegistryException(RegistryException.Kind.BAD_REFERENCE, e.getMessage(), e);
    }
  }

  /** The digest when pinned, else the tag: what goes after {@code /manifests/}. */
  public String reference() {
    return digest != null ? digest.toString() : tag;
  }

  /** The same repository at another tag or digest (how an index entry is fetched). */
  public ImageReference withDigest(Digest d) {
    return new ImageReference(registry, repository, tag, d);
  }

  /** The host people write: {@code docker.io} for Docker Hub, the API host otherwise. */
  public String displayRegistry() {
    return registry.equals(DOCKER_HUB_API) ? DOCKER_HUB : registry;
  }

  /**
   * {@code docker.io/library/debian:latest}, {@code host:5000/a/b@sha256:…}, or both tag and
   * digest.
   */
  public String canonical() {
    StringBuilder sb = new StringBuilder(displayRegistry()).append('/').append(repository);
    if (tag != null) {
      sb.append(':').append(tag);
    }
    if (digest != null) {
      sb.append('@').append(digest);
    }
    return sb.toString();
  }

  /** {@code registry/repository}, for messages about the repository as a whole. */
  public String repositoryDisplay() {
    return displayRegistry() + "/" + repository;
  }

  @Override
  public String toString() {
    return canonical();
  }

  private static String registryHost(String input, String domain) {
    String host = domain;
    String port = null;
    if (domain.startsWith("[")) {
      int close = domain.indexOf(']');
      if (close < 0) {
        throw bad(
            input,
            "registry "
                + Texts.quote(domain)
                + " opens an IPv6 address with [ but never closes it");
      }
      String v6 = domain.substring(1, close);
      if (!IPV6.matcher(v6).matches() || v6.chars().filter(c -> c == ':').count() < 2) {
        throw bad(input, "registry " + Texts.quote(domain) + " is not a valid [IPv6] address");
      }
      host = domain.substring(0, close + 1);
      String after = domain.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw bad(input, "registry " + Texts.quote(domain) + " has text after the IPv6 address");
        }
        port = after.substring(1);
      }
    } else {
      int c = domain.indexOf(':');
      if (c >= 0) {
        host = domain.substring(0, c);
        port = domain.substring(c + 1);
      }
      if (host.isEmpty()) {
        throw bad(input, "registry " + Texts.quote(domain) + " has no host name");
      }
      for (String part : host.split("\\.", -1)) {
        if (!DOMAIN_COMPONENT.matcher(part).matches()) {
          throw bad(input, "registry host " + Texts.quote(host) + " is not a valid host name");
        }
      }
    }
    if (port != null && !validPort(port)) {
      throw bad(input, "registry port " + Texts.quote(port) + " is not a number from 1 to 65535");
    }
    host = host.toLowerCase(java.util.Locale.ROOT);
    if (port == null && (host.equals(DOCKER_HUB) || host.equals("index.docker.io"))) {
      return DOCKER_HUB_API;
    }
    if (port == null && !host.contains(".") && !host.startsWith("[") && !host.equals("localhost")) {
      // Only its capitals made such a first component a host ("Myhost/app"). Lowercased, as API
      // hosts are, it reads as a Docker Hub repository, so canonical() would name another image.
      throw bad(
          input,
          "registry host "
              + Texts.quote(host)
              + " needs a dot or a port (or to be localhost): lowercased, a one-word host"
              + " reads as a Docker Hub repository");
    }
    return port == null ? host : host + ":" + port;
  }

  private static boolean validPort(String port) {
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return false;
    }
    int p = Integer.parseInt(port);
    return p >= 1 && p <= 65535;
  }

  private static void validatePath(String input, String path, String registry) {
    if (path.isEmpty()) {
      throw bad(input, "the repository name is empty");
    }
    for (String component : path.split("/", -1)) {
      if (component.isEmpty()) {
        throw bad(input, "the repository " + Texts.quote(path) + " has an empty path component");
      }
      if (!PATH_COMPONENT.matcher(component).matches()) {
        throw bad(
            input,
            "repository component "
                + Texts.quote(component)
                + " must be lowercase letters and digits, separated by '.', '_', '__' or dashes");
      }
    }
    String displayHost = registry.equals(DOCKER_HUB_API) ? DOCKER_HUB : registry;
    if (displayHost.length() + 1 + path.length() > MAX_NAME) {
      throw bad(input, "the name is longer than " + MAX_NAME + " characters");
    }
  }

  private static IllegalArgumentException bad(String input, String why) {
    return new IllegalArgumentException(
        "image reference " + Texts.quote(input) + " is invalid: " + why);
  }
}
