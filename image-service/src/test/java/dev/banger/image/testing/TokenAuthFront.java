package dev.banger.image.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.banger.image.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bearer-token front for a {@link TestRegistry}, like Docker Hub's: every API request without a
 * token this front issued (for that repository) gets {@code 401} with {@code WWW-Authenticate:
 * Bearer realm="http://127.0.0.1:P/token",service="test",scope="repository:<repo>:pull"}; {@code
 * /token} hands out tokens to the configured basic credentials (or to anyone, when anonymous) and
 * counts them. Authorised requests are proxied to the registry.
 *
 * <p>Test hooks: a log of every request seen ({@link #requests()}), blob GETs that reached the
 * backend ({@link #blobGets}), blob faults (wrong bytes, a cut connection, slow delivery, Range
 * ignored), and a redirect mode that answers blob GETs with 307 to a second loopback port (the
 * "blob host", which needs no auth, like a CDN).
 */
public final class TokenAuthFront implements AutoCloseable {

  /** One request as a server saw it; {@code server} is "front" or "blob-host". */
  public record Seen(
      String server, String method, String path, String range, String authorization) {}

  private final Builder config;
  private final HttpServer front;
  private final HttpServer blobHost;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final FrontProxy proxy;
  private final Map<String, String> tokens = new ConcurrentHashMap<>();
  private final AtomicInteger issued = new AtomicInteger();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  private TokenAuthFront(Builder b) throws IOException {
    this.config = b;
    this.proxy = new FrontProxy(b.backend);
    this.front = server(ex -> handleFront(ex));
    this.blobHost = server(ex -> handleBlobHost(ex));
  }

  public static Builder over(TestRegistry backend) {
    return new Builder(backend);
  }

  /** {@code 127.0.0.1:PORT} to put in image references. */
  public String host() {
    return "127.0.0.1:" + front.getAddress().getPort();
  }

  /** {@code 127.0.0.1:PORT} of the blob host that redirects point to. */
  public String blobHost() {
    return "127.0.0.1:" + blobHost.getAddress().getPort();
  }

  public int tokensIssued() {
    return issued.get();
  }

  public List<Seen> requests() {
    return List.copyOf(seen);
  }

  /** GETs of this blob that were forwarded to the registry (by the front or the blob host). */
  public int blobGets(Digest d) {
    return proxy.blobGets(d);
  }

  /** Serve this blob with its first byte flipped, from now on. */
  public void corruptBlob(Digest d) {
    proxy.corrupt(d);
  }

  /** The next GET of this blob sends {@code afterBytes} bytes, then the connection is cut. */
  public void cutBlobOnce(Digest d, long afterBytes) {
    proxy.cutOnce(d, afterBytes);
  }

  /** Send every body in {@code chunkBytes} pieces with {@code pause} between them. */
  public void slowBodies(int chunkBytes, Duration pause) {
    proxy.slow(chunkBytes, pause);
  }

  /** Drop Range headers, so the registry answers 200 with the whole blob. */
  public void ignoreRange(boolean ignore) {
    proxy.ignoreRange(ignore);
  }

  @Override
  public void close() {
    front.stop(0);
    blobHost.stop(0);
    executor.shutdownNow();
    proxy.close();
  }

  private void handleFront(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    seen.add(seen("front", ex));
    if (path.equals("/token")) {
      token(ex);
      return;
    }
    String repo = repository(path);
    if (!config.open && !authorized(ex, repo)) {
      String scope = repo == null ? "" : ",scope=\"repository:" + repo + ":pull\"";
      String realm = config.realm != null ? config.realm : "http://" + host() + "/token";
      ex.getResponseHeaders()
          .set("WWW-Authenticate", "Bearer realm=\"" + realm + "\",service=\"test\"" + scope);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      reply(
          ex,
          401,
          "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
      return;
    }
    if (config.redirectBlobs
        && ex.getRequestMethod().equals("GET")
        && FrontProxy.blobDigest(path) != null) {
      String base = config.redirectBase != null ? config.redirectBase : "http://" + blobHost();
      ex.getResponseHeaders().set("Location", base + path);
      ex.sendResponseHeaders(307, -1);
      return;
    }
    proxy.forward(ex);
  }

  private void handleBlobHost(HttpExchange ex) throws IOException {
    seen.add(seen("blob-host", ex));
    proxy.forward(ex);
  }

  private void token(HttpExchange ex) throws IOException {
    Map<String, String> q = query(ex.getRequestURI().getRawQuery());
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    boolean ok;
    if (auth == null) {
      ok = config.anonymous;
    } else if (auth.startsWith("Basic ") && config.user != null) {
      String given =
          new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
      ok = given.equals(config.user + ":" + config.password);
    } else {
      ok = false;
    }
    if (!ok) {
      reply(ex, 401, "{\"details\":\"incorrect username or password\"}");
      return;
    }
    String token = UUID.randomUUID().toString();
    tokens.put(token, q.getOrDefault("scope", ""));
    issued.incrementAndGet();
    ex.getResponseHeaders().set("Content-Type", "application/json");
    reply(
        ex,
        200,
        "{\"token\":\"" + token + "\",\"access_token\":\"" + token + "\",\"expires_in\":300}");
  }

  /** A token this front issued whose scope covers {@code repo} (any token for {@code /v2/}). */
  private boolean authorized(HttpExchange ex, String repo) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null || !auth.startsWith("Bearer ")) {
      return false;
    }
    String scope = tokens.get(auth.substring(7).trim());
    if (scope == null) {
      return false;
    }
    return repo == null
        || List.of(scope.split(" ")).stream()
            .anyMatch(s -> s.startsWith("repository:" + repo + ":"));
  }

  /**
   * The repository of {@code /v2/<repo>/(manifests|blobs|tags)/…}, or null for {@code /v2/} itself.
   */
  static String repository(String path) {
    for (String kind : List.of("/manifests/", "/blobs/", "/tags/")) {
      int i = path.lastIndexOf(kind);
      if (path.startsWith("/v2/") && i > 4) {
        return path.substring(4, i);
      }
    }
    return null;
  }

  private static Seen seen(String server, HttpExchange ex) {
    return new Seen(
        server,
        ex.getRequestMethod(),
        ex.getRequestURI().getRawPath(),
        ex.getRequestHeaders().getFirst("Range"),
        ex.getRequestHeaders().getFirst("Authorization"));
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, b.length);
    try (var out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  /** A handler whose failures close the exchange (a cut blob must reach the client as a cut). */
  private interface Handler {
    void handle(HttpExchange ex) throws IOException;
  }

  private HttpServer server(Handler h) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext(
        "/",
        ex -> {
          try {
            h.handle(ex);
          } finally {
            ex.close();
          }
        });
    s.setExecutor(executor);
    s.start();
    return s;
  }

  /** What the front does; every setting has a default (tokens for nobody, no redirects). */
  public static final class Builder {
    private final TestRegistry backend;
    private String user;
    private String password;
    private boolean anonymous;
    private boolean open;
    private boolean redirectBlobs;
    private String realm;
    private String redirectBase;

    private Builder(TestRegistry backend) {
      this.backend = backend;
    }

    /** Issue tokens to these basic credentials. */
    public Builder credentials(String user, String password) {
      this.user = user;
      this.password = password;
      return this;
    }

    /** Issue tokens to requests without credentials too. */
    public Builder anonymous() {
      this.anonymous = true;
      return this;
    }

    /** No auth at all: a plain proxy, for fault injection alone. */
    public Builder open() {
      this.open = true;
      return this;
    }

    /** Answer blob GETs with 307 to the blob host (or {@link #redirectBase}). */
    public Builder redirectBlobs() {
      this.redirectBlobs = true;
      return this;
    }

    /** Put this realm in challenges instead of our own {@code /token}. */
    public Builder realm(String url) {
      this.realm = url;
      return this;
    }

    /** Redirect blobs to this base URL instead of the blob host. */
    public Builder redirectBase(String baseUrl) {
      this.redirectBase = baseUrl;
      this.redirectBlobs = true;
      return this;
    }

    public TokenAuthFront start() {
      try {
        return new TokenAuthFront(this);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
