package dev.banger.image.testing;

import com.sun.net.httpserver.HttpExchange;
import dev.banger.image.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The forwarding half of {@link TokenAuthFront}: passes a request to the backend registry and
 * streams the answer back, with injectable faults on blob bodies (wrong bytes, a connection cut
 * part way, slow delivery, Range ignored) and a count of blob GETs that reached the backend.
 */
final class FrontProxy implements AutoCloseable {

  private static final Pattern BLOB = Pattern.compile("/v2/.+/blobs/(sha256:[0-9a-f]{64})");
  private static final List<String> PASSED_HEADERS =
      List.of(
          "Content-Type",
          "Docker-Content-Digest",
          "Content-Range",
          "Accept-Ranges",
          "Docker-Distribution-Api-Version",
          "Etag");

  private final TestRegistry backend;
  private final HttpClient http =
      HttpClient.newBuilder()
          .proxy(ProxySelector.of(null))
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final Map<Digest, AtomicInteger> blobGets = new ConcurrentHashMap<>();
  private final Set<Digest> corrupt = ConcurrentHashMap.newKeySet();
  private final Map<Digest, Long> cutOnce = new ConcurrentHashMap<>();
  private volatile int slowChunk;
  private volatile Duration slowPause = Duration.ZERO;
  private volatile boolean ignoreRange;

  FrontProxy(TestRegistry backend) {
    this.backend = backend;
  }

  /** The digest of a blob URL path, or null when the path is not one. */
  static Digest blobDigest(String path) {
    Matcher m = BLOB.matcher(path);
    return m.matches() ? Digest.parse(m.group(1)) : null;
  }

  int blobGets(Digest d) {
    AtomicInteger n = blobGets.get(d);
    return n == null ? 0 : n.get();
  }

  void corrupt(Digest d) {
    corrupt.add(d);
  }

  void cutOnce(Digest d, long afterBytes) {
    cutOnce.put(d, afterBytes);
  }

  void slow(int chunkBytes, Duration pause) {
    slowChunk = chunkBytes;
    slowPause = pause;
  }

  void ignoreRange(boolean ignore) {
    ignoreRange = ignore;
  }

  /** Forwards {@code ex} to the backend and answers it. */
  void forward(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String query = ex.getRequestURI().getRawQuery();
    URI target = backend.baseUri().resolve(path + (query == null ? "" : "?" + query));
    HttpRequest.Builder b =
        HttpRequest.newBuilder(target)
            .timeout(Duration.ofSeconds(30))
            .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
    for (String accept : ex.getRequestHeaders().getOrDefault("Accept", List.of())) {
      b.header("Accept", accept);
    }
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range != null && !ignoreRange) {
      b.header("Range", range);
    }
    if (backend.authorization() != null) {
      b.header("Authorization", backend.authorization());
    }
    Digest blob = blobDigest(path);
    boolean blobGet = blob != null && ex.getRequestMethod().equals("GET");
    if (blobGet) {
      blobGets.computeIfAbsent(blob, k -> new AtomicInteger()).incrementAndGet();
    }
    HttpResponse<InputStream> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    for (String h : PASSED_HEADERS) {
      r.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().set(h, v));
    }
    long length = r.headers().firstValueAsLong("Content-Length").orElse(0);
    try (InputStream in = r.body()) {
      if (ex.getRequestMethod().equals("HEAD") || length == 0) {
        ex.sendResponseHeaders(r.statusCode(), -1);
        return;
      }
      ex.sendResponseHeaders(r.statusCode(), length);
      OutputStream out = ex.getResponseBody();
      boolean ok = r.statusCode() / 100 == 2;
      Long cut = blobGet && ok ? cutOnce.remove(blob) : null;
      copy(in, out, blobGet && ok && corrupt.contains(blob), cut == null ? -1 : cut);
      out.close();
    }
  }

  /**
   * Copies the body, optionally flipping its first byte or stopping after {@code cutAfter} bytes. A
   * cut flushes, waits so the client has read what was sent, then fails the exchange: the server
   * closes the connection short of Content-Length.
   */
  private void copy(InputStream in, OutputStream out, boolean flipFirst, long cutAfter)
      throws IOException {
    int chunk = slowChunk > 0 ? slowChunk : 64 << 10;
    byte[] buf = new byte[chunk];
    long sent = 0;
    for (int n; (n = in.readNBytes(buf, 0, chunk)) > 0; ) {
      if (flipFirst && sent == 0) {
        buf[0] ^= 0x5a;
      }
      if (cutAfter >= 0 && sent + n >= cutAfter) {
        out.write(buf, 0, (int) (cutAfter - sent));
        out.flush();
        pause(Duration.ofMillis(300));
        throw new IOException("cut on purpose after " + cutAfter + " bytes");
      }
      out.write(buf, 0, n);
      out.flush();
      sent += n;
      if (slowChunk > 0) {
        pause(slowPause);
      }
    }
  }

  private static void pause(Duration d) throws IOException {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  @Override
  public void close() {
    http.close();
  }
}
