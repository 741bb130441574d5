package dev.banger.image.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A static file server on 127.0.0.1 for catalog bundle tests: exact bytes per path, {@code Range:
 * bytes=N-} requests, redirects, and a count of GETs per path (to prove the blob cache spared a
 * download).
 */
public final class BundleServer implements AutoCloseable {

  private final HttpServer server;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, String> redirects = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> gets = new ConcurrentHashMap<>();
  private final java.util.List<String> ranges = new java.util.concurrent.CopyOnWriteArrayList<>();

  private BundleServer(HttpServer server) {
    this.server = server;
  }

  public static BundleServer start() throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    BundleServer b = new BundleServer(s);
    s.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().getPath();
          b.gets.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
          try (ex) {
            String to = b.redirects.get(path);
            if (to != null) {
              ex.getResponseHeaders().add("Location", to);
              ex.sendResponseHeaders(302, -1);
              return;
            }
            byte[] body = b.files.get(path);
            if (body == null) {
              ex.sendResponseHeaders(404, -1);
              return;
            }
            String range = ex.getRequestHeaders().getFirst("Range");
            int from = 0;
            if (range != null && range.matches("bytes=\\d+-")) {
              b.ranges.add(path + " " + range);
              from = Integer.parseInt(range.substring(6, range.length() - 1));
              if (from >= body.length) {
                ex.sendResponseHeaders(416, -1);
                return;
              }
              ex.getResponseHeaders()
                  .add(
                      "Content-Range",
                      "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
              ex.sendResponseHeaders(206, body.length - from);
            } else {
              ex.sendResponseHeaders(200, body.length);
            }
            try (OutputStream out = ex.getResponseBody()) {
              out.write(body, from, body.length - from);
            }
          }
        });
    s.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    s.start();
    return b;
  }

  /** Serves {@code bytes} at {@code path} and returns its URL. */
  public String serve(String path, byte[] bytes) {
    files.put(path, bytes);
    return url(path);
  }

  public String redirect(String path, String location) {
    redirects.put(path, location);
    return url(path);
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public int gets(String path) {
    AtomicInteger n = gets.get(path);
    return n == null ? 0 : n.get();
  }

  /** {@code "<path> bytes=N-"} for every Range request served, in order. */
  public java.util.List<String> ranges() {
    return java.util.List.copyOf(ranges);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
