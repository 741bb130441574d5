package dev.banger.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where registry passwords come from: a docker {@code config.json} (what {@code docker login}
 * wrote) and an explicit {@code user:password} override (the CLI's {@code --creds}), which wins for
 * every host.
 *
 * <p>Entries are only decoded when a registry asks for credentials, so a broken or helper-managed
 * entry for one host never stops anonymous pulls from another. Credential helpers ({@code
 * credsStore}, {@code credHelpers}) would mean running a program per lookup; they are refused with
 * a message saying so, and only for the host that needs one.
 */
public final class RegistryCredentials {

  /** A user name and password. {@link #toString()} never shows the password. */
  public record Credential(String username, String password) {
    public Credential {
      Objects.requireNonNull(username, "username");
      Objects.requireNonNull(password, "password");
    }

    /** Parses {@code user:password}; the password may itself contain colons. */
    public static Credential parse(String userColonPassword) {
      int colon = userColonPassword == null ? -1 : userColonPassword.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("credentials must be user:password");
      }
      return new Credential(
          userColonPassword.substring(0, colon), userColonPassword.substring(colon + 1));
    }

    /** The value of an {@code Authorization: Basic} header. */
    public String basicHeader() {
      return "Basic "
          + Base64.getEncoder()
              .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "Credential[" + username + ", password hidden]";
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Credential override;
  private final Map<String, JsonNode> auths;
  private final Map<String, String> helpers;
  private final String credsStore;
  private final String source;

  private RegistryCredentials(
      Credential override,
      Map<String, JsonNode> auths,
      Map<String, String> helpers,
      String credsStore,
      String source) {
    this.override = override;
    this.auths = Map.copyOf(auths);
    this.helpers = Map.copyOf(helpers);
    this.credsStore = credsStore;
    this.source = source;
  }

  /** Anonymous everywhere. */
  public static RegistryCredentials none() {
    return new RegistryCredentials(null, Map.of(), Map.of(), null, "no credentials");
  }

  /** Reads a docker config.json; a missing file means no credentials. */
  public static RegistryCredentials fromDockerConfig(Path configJson) throws IOException {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(configJson));
    } catch (NoSuchFileException e) {
      return none();
    } catch (IOException e) {
      throw new IOException("cannot read docker config " + configJson + ": " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException("docker config " + configJson + " is not a JSON object");
    }
    Map<String, JsonNode> auths = new HashMap<>();
    root.path("auths").properties().forEach(e -> auths.put(hostKey(e.getKey()), e.getValue()));
    Map<String, String> helpers = new HashMap<>();
    root.path("credHelpers")
        .properties()
        .forEach(e -> helpers.put(hostKey(e.getKey()), e.getValue().asText()));
    String store = root.path("credsStore").asText("");
    return new RegistryCredentials(
        null, auths, helpers, store.isEmpty() ? null : store, configJson.toString());
  }

  /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
  public static Path defaultConfigPath(Map<String, String> env, Path home) {
    String dir = env.get("DOCKER_CONFIG");
    return dir != null && !dir.isEmpty()
        ? Path.of(dir, "config.json")
        : home.resolve(".docker/config.json");
  }

  /** The docker config of the user running this process. */
  public static RegistryCredentials fromDefaultDockerConfig() throws IOException {
    return fromDockerConfig(
        defaultConfigPath(System.getenv(), Path.of(System.getProperty("user.home"))));
  }

  /** The same, with {@code user:password} used for every registry (the CLI's {@code --creds}). */
  public RegistryCredentials withOverride(String userColonPassword) {
    return new RegistryCredentials(
        Credential.parse(userColonPassword),
        auths,
        helpers,
        credsStore,
        source + " overridden by explicit credentials");
  }

  /**
   * Credentials for a registry host ({@code host[:port]} as in {@link ImageReference#registry()},
   * or a token realm's host).
   *
   * @throws RegistryException UNSUPPORTED when the host's credentials are kept by a helper,
   *     UNAUTHORIZED when its entry cannot be decoded
   */
  public Optional<Credential> forHost(String host) throws RegistryException {
    if (override != null) {
      return Optional.of(override);
    }
    String key = hostKey(host);
    String helper = helpers.get(key);
    if (helper != null) {
      throw helperNeeded(host, "credHelpers", helper);
    }
    JsonNode entry = auths.get(key);
    if (entry == null) {
      return Optional.empty();
    }
    String auth = entry.path("auth").asText("");
    if (!auth.isEmpty()) {
      return Optional.of(decodeAuth(host, auth));
    }
    String user = entry.path("username").asText("");
    if (!user.isEmpty()) {
      return Optional.of(new Credential(user, entry.path("password").asText("")));
    }
    if (!entry.path("identitytoken").asText("").isEmpty()) {
      throw new RegistryException(
          RegistryException.Kind.UNSUPPORTED,
          "the credentials for "
              + host
              + " in "
              + source
              + " are an identity token, which banger does not support; pass --creds user:password instead");
    }
    if (credsStore != null) {
      throw helperNeeded(host, "credsStore", credsStore);
    }
    return Optional.empty();
  }

  private RegistryException helperNeeded(String host, String field, String helper) {
    return new RegistryException(
        RegistryException.Kind.UNSUPPORTED,
        "the credentials for "
            + host
            + " are kept by "
            + "docker-credential-"
            + helper
            + " ("
            + field
            + " in "
            + source
            + "), which banger does not run; "
            + "pass --creds user:password instead");
  }

  private Credential decodeAuth(String host, String auth) throws RegistryException {
    try {
      return Credential.parse(
          new String(Base64.getMimeDecoder().decode(auth), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException e) {
      throw new RegistryException(
          RegistryException.Kind.UNAUTHORIZED,
          "the auth field for " + host + " in " + source + " is not base64 of user:password");
    }
  }

  /**
   * One spelling per registry: docker writes keys as hosts or URLs ({@code
   * https://index.docker.io/v1/}), and Docker Hub has three names.
   */
  static String hostKey(String hostOrUrl) {
    String k = hostOrUrl.trim().toLowerCase(Locale.ROOT);
    int scheme = k.indexOf("://");
    if (scheme >= 0) {
      k = k.substring(scheme + 3);
    }
    int slash = k.indexOf('/');
    if (slash >= 0) {
      k = k.substring(0, slash);
    }
    return switch (k) {
      case "index.docker.io", "registry-1.docker.io", "docker.io" -> "docker.io";
      default -> k;
    };
  }
}
