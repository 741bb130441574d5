package dev.banger.image.oci;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * GET requests to a registry's API with the distribution auth dance and redirects done here, once:
 * try with what we have, on 401 read the challenge, get a token (or use basic credentials), retry
 * once. Redirects are followed by hand (the JDK client is built with {@code Redirect.NEVER}) so the
 * Authorization header is dropped whenever the target's scheme, host or port differs from the URL
 * that received it.
 */
final class RegistryHttp {

  static final int MAX_REDIRECTS = 10;

  private final HttpClient client;
  private final TransportPolicy policy;
  private final Duration requestTimeout;
  private final TokenAuth auth;

  RegistryHttp(
      HttpClient client,
      TransportPolicy policy,
      RegistryCredentials credentials,
      Duration requestTimeout) {
    this.client = client;
    this.policy = policy;
    this.requestTimeout = requestTimeout;
    this.auth = new TokenAuth(this, credentials);
  }

  TransportPolicy policy() {
    return policy;
  }

  /**
   * One API call: {@code path} under the registry's {@code /v2/} base, authorised for {@code scope}
   * ({@code repository:<name>:pull}, or null for the ping). Returns the final response whatever its
   * status; the caller owns (and must close) its body.
   *
   * @param what the thing asked for, for messages ("manifest latest of 127.0.0.1:5000/a")
   */
  HttpResponse<InputStream> call(
      String registry, String path, String scope, Map<String, String> headers, String what)
      throws RegistryException {
    URI uri = policy.registryBase(registry).resolve(path);
    String authorization = auth.cachedAuthorization(registry, scope);
    HttpResponse<InputStream> r = exchange(uri, headers, authorization, what);
    if (r.statusCode() != 401) {
      return r;
    }
    Bodies.discard(r);
    String retryWith =
        auth.answerChallenge(
            registry, scope, r.headers().allValues("WWW-Authenticate"), authorization, what);
    return exchange(uri, headers, retryWith, what);
  }

  /**
   * Sends GETs, following redirects by hand. Every URL is checked against the transport policy
   * before a connection is made.
   */
  HttpResponse<InputStream> exchange(
      URI uri, Map<String, String> headers, String authorization, String what)
      throws RegistryException {
    URI target = uri;
    String auth = authorization;
    for (int hop = 0; ; hop++) {
      policy.check(target);
      HttpRequest.Builder b = HttpRequest.newBuilder(target).GET().timeout(requestTimeout);
      if (target.getScheme().equalsIgnoreCase("http")) {
        // No h2c upgrade dance on plain http: registries and test fronts speak HTTP/1.1.
        b.version(HttpClient.Version.HTTP_1_1);
      }
      headers.forEach(b::header);
      if (auth != null) {
        b.header("Authorization", auth);
      }
      HttpResponse<InputStream> r = send(b.build(), target, what);
      int s = r.statusCode();
      if (!(s == 301 || s == 302 || s == 303 || s == 307 || s == 308)) {
        return r;
      }
      String location = r.headers().firstValue("Location").orElse(null);
      Bodies.discard(r);
      if (location == null) {
        throw new RegistryException(
            RegistryException.Kind.PROTOCOL,
            target.getAuthority()
                + " redirected "
                + what
                + " (HTTP "
                + s
                + ") without a Location header");
      }
      if (hop >= MAX_REDIRECTS) {
        throw new RegistryException(
            RegistryException.Kind.PROTOCOL,
            what + " was redirected more than " + MAX_REDIRECTS + " times");
      }
      URI next;
      try {
        next = target.resolve(location);
      } catch (IllegalArgumentException e) {
        throw new RegistryException(
            RegistryException.Kind.PROTOCOL,
            target.getAuthority()
                + " redirected "
                + what
                + " to a malformed URL "
                + Texts.quote(location));
      }
      if (!sameOrigin(target, next)) {
        auth = null;
      }
      target = next;
    }
  }

  private HttpResponse<InputStream> send(HttpRequest request, URI target, String what)
      throws RegistryException {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      throw new RegistryException(
          RegistryException.Kind.NETWORK,
          target.getAuthority()
              + " did not answer within "
              + requestTimeout.toSeconds()
              + " s while fetching "
              + what,
          e);
    } catch (IOException e) {
      throw new RegistryException(
          RegistryException.Kind.NETWORK,
          "cannot reach " + target.getAuthority() + " to fetch " + what + ": " + describe(e),
          e);
    } catch (InterruptedException e) {
      throw RegistryException.interrupted("fetching " + what, e);
    }
  }

  /**
   * Turns a non-2xx answer into the exception a caller reports, with the registry's own error code
   * when its body has one. Consumes the body.
   */
  RegistryException failure(HttpResponse<InputStream> r, String what) {
    int s = r.statusCode();
    String detail = Bodies.registryError(r);
    String suffix = detail.isEmpty() ? " (HTTP " + s + ")" : " (HTTP " + s + ", " + detail + ")";
    String host = r.uri().getAuthority();
    RegistryException.Kind kind =
        switch (s) {
          case 404 -> RegistryException.Kind.NOT_FOUND;
          case 401 -> RegistryException.Kind.UNAUTHORIZED;
          case 403 -> RegistryException.Kind.DENIED;
          case 429, 500, 502, 503, 504 -> RegistryException.Kind.NETWORK;
          default -> s >= 500 ? RegistryException.Kind.NETWORK : RegistryException.Kind.PROTOCOL;
        };
    String message =
        switch (kind) {
          case NOT_FOUND -> what + " was not found on " + host + suffix;
          case UNAUTHORIZED ->
              host
                  + " refused access to "
                  + what
                  + " even after authenticating: the credentials are wrong, or the repository does not exist"
                  + suffix;
          case DENIED -> host + " denied access to " + what + suffix;
          case NETWORK -> host + " could not serve " + what + " right now" + suffix;
          default -> host + " answered " + what + " with an unexpected status" + suffix;
        };
    return new RegistryException(kind, message);
  }

  static String describe(Throwable e) {
    // The JDK's client throws a ConnectException with no message for a name that does not
    // resolve (the cause is an UnresolvedAddressException, also without one): say it in words.
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.nio.channels.UnresolvedAddressException
          || t instanceof java.net.UnknownHostException) {
        return "the host name does not resolve";
      }
    }
    if (e instanceof java.net.ConnectException
        && (e.getMessage() == null || e.getMessage().isBlank())) {
      return "the connection failed (nothing listens there, or no route)";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getClass().getSimpleName() + ": " + t.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }

  /** Credentials travel only to the exact scheme, host and port that asked for them. */
  static boolean sameOrigin(URI a, URI b) {
    return a.getScheme().equalsIgnoreCase(Objects.toString(b.getScheme(), ""))
        && a.getHost() != null
        && a.getHost().equalsIgnoreCase(Objects.toString(b.getHost(), ""))
        && effectivePort(a) == effectivePort(b);
  }

  private static int effectivePort(URI u) {
    if (u.getPort() >= 0) {
      return u.getPort();
    }
    return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }
}
