package dev.banger.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers registry challenges and remembers the answers. Bearer tokens are cached per registry and
 * scope until shortly before they expire; one token fetch per scope at a time, so parallel layer
 * downloads that all hit 401 share one token. A registry that asked for Basic once gets it up front
 * afterwards, saving a round trip per request.
 */
final class TokenAuth {

  /** Tokens without {@code expires_in} live 60 s (distribution's token spec). */
  private static final long DEFAULT_LIFETIME_S = 60;

  private static final ObjectMapper JSON = new ObjectMapper();

  private record Token(String value, long expiresAtNanos) {
    boolean fresh() {
      return System.nanoTime() - expiresAtNanos < 0;
    }

    String header() {
      return "Bearer " + value;
    }
  }

  private final RegistryHttp http;
  private final RegistryCredentials credentials;
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final Set<String> basicRegistries = ConcurrentHashMap.newKeySet();

  TokenAuth(RegistryHttp http, RegistryCredentials credentials) {
    this.http = http;
    this.credentials = credentials;
  }

  /**
   * What to send before any challenge: a cached token, or basic credentials for a Basic registry.
   */
  String cachedAuthorization(String registry, String scope) throws RegistryException {
    if (basicRegistries.contains(registry)) {
      return credentials
          .forHost(registry)
          .map(RegistryCredentials.Credential::basicHeader)
          .orElse(null);
    }
    Token t = tokens.get(key(registry, scope));
    return t != null && t.fresh() ? t.header() : null;
  }

  /**
   * The Authorization value to retry a 401 with.
   *
   * @param sent what the refused request carried (null if nothing), to tell a stale token from one
   *     another thread has just refreshed, and to avoid resending refused credentials
   */
  String answerChallenge(
      String registry, String scope, List<String> wwwAuthenticate, String sent, String what)
      throws RegistryException {
    List<AuthChallenge> challenges =
        wwwAuthenticate.stream().flatMap(h -> AuthChallenge.parse(h).stream()).toList();
    Optional<AuthChallenge> bearer =
        challenges.stream().filter(AuthChallenge::isBearer).findFirst();
    if (bearer.isPresent()) {
      String key = key(registry, scope);
      synchronized (locks.computeIfAbsent(key, k -> new Object())) {
        Token t = tokens.get(key);
        if (t != null && t.fresh() && !t.header().equals(sent)) {
          return t.header();
        }
        Token fresh = fetchToken(registry, bearer.get(), scope);
        tokens.put(key, fresh);
        return fresh.header();
      }
    }
    if (challenges.stream().anyMatch(AuthChallenge::isBasic)) {
      RegistryCredentials.Credential c =
          credentials
              .forHost(registry)
              .orElseThrow(
                  () ->
                      new RegistryException(
                          RegistryException.Kind.UNAUTHORIZED,
                          registry
                              + " needs a user name and password for "
                              + what
                              + "; pass --creds user:password or log in with docker login"));
      if (c.basicHeader().equals(sent)) {
        throw new RegistryException(
            RegistryException.Kind.UNAUTHORIZED,
            registry
                + " refused the password of user "
                + Texts.quote(c.username())
                + " for "
                + what);
      }
      basicRegistries.add(registry);
      return c.basicHeader();
    }
    if (challenges.isEmpty()) {
      throw new RegistryException(
          RegistryException.Kind.UNAUTHORIZED,
          registry + " refused " + what + " (HTTP 401) without saying how to authenticate");
    }
    throw new RegistryException(
        RegistryException.Kind.UNSUPPORTED,
        registry
            + " asks for "
            + challenges.stream().map(AuthChallenge::scheme).distinct().toList()
            + " authentication for "
            + what
            + "; banger speaks Bearer and Basic");
  }

  private Token fetchToken(String registry, AuthChallenge bearer, String scope)
      throws RegistryException {
    String realm = bearer.realm();
    if (realm == null || realm.isEmpty()) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          registry + " asked for a bearer token without naming a realm to get it from");
    }
    URI realmUri;
    try {
      realmUri = new URI(realm);
    } catch (java.net.URISyntaxException e) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          registry + " named a malformed token realm " + Texts.quote(realm));
    }
    String wanted = bearer.scope() != null ? bearer.scope() : scope;
    URI tokenUri = withQuery(realmUri, bearer.service(), wanted);
    // The credentials are the registry's (docker does the same); the realm is where it says to use
    // them.
    Optional<RegistryCredentials.Credential> cred = credentials.forHost(registry);
    String forWhat = "a token for " + (wanted == null ? registry : wanted);
    HttpResponse<InputStream> r =
        http.exchange(
            tokenUri,
            Map.of("Accept", "application/json"),
            cred.map(RegistryCredentials.Credential::basicHeader).orElse(null),
            forWhat);
    int s = r.statusCode();
    if (s == 401 || s == 403) {
      Bodies.discard(r);
      String who =
          cred.map(c -> "the credentials of user " + Texts.quote(c.username()))
              .orElse("anonymous access; pass --creds user:password or log in with docker login");
      throw new RegistryException(
          RegistryException.Kind.UNAUTHORIZED,
          "the token service " + tokenUri.getAuthority() + " for " + registry + " refused " + who);
    }
    if (s != 200) {
      throw http.failure(r, forWhat);
    }
    try {
      JsonNode body = JSON.readTree(Bodies.read(r, Bodies.MAX_SMALL));
      String token = body == null ? "" : body.path("token").asText("");
      if (token.isEmpty()) {
        token = body == null ? "" : body.path("access_token").asText("");
      }
      if (token.isEmpty() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
        throw new RegistryException(
            RegistryException.Kind.PROTOCOL,
            "the token service " + tokenUri.getAuthority() + " answered without a usable token");
      }
      long lifetime = body.path("expires_in").asLong(DEFAULT_LIFETIME_S);
      if (lifetime <= 0) {
        lifetime = DEFAULT_LIFETIME_S;
      }
      // Renew a little early so a token never expires between the cache check and its use.
      long usable = Math.max(1, lifetime - Math.min(10, lifetime / 5));
      return new Token(token, System.nanoTime() + usable * 1_000_000_000L);
    } catch (IOException e) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          "the token service "
              + tokenUri.getAuthority()
              + " answered with unreadable JSON: "
              + Texts.quote(RegistryHttp.describe(e)),
          e);
    }
  }

  private static URI withQuery(URI realm, String service, String scope) {
    StringBuilder q = new StringBuilder();
    if (service != null) {
      q.append("service=").append(URLEncoder.encode(service, StandardCharsets.UTF_8));
    }
    if (scope != null) {
      q.append(q.isEmpty() ? "" : "&")
          .append("scope=")
          .append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    }
    if (q.isEmpty()) {
      return realm;
    }
    String s = realm.toString();
    return URI.create(s + (realm.getRawQuery() == null ? "?" : "&") + q);
  }

  private static String key(String registry, String scope) {
    return registry + "|" + (scope == null ? "" : scope);
  }
}
