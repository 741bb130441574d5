package dev.banger.vm.driver.firecracker;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP/1.1 side of the Firecracker stub, on a Unix socket, shaped like Firecracker's micro_http
 * server: GET, PUT and PATCH only, bodies by {@code Content-Length} (no chunked encoding), a
 * 51200-byte payload limit, keep-alive unless the client says {@code Connection: close}, errors as
 * {@code {"fault_message": …}} with status 400.
 */
final class StubHttpServer implements AutoCloseable {

  /** micro_http's default payload limit, which Firecracker keeps for its API. */
  static final int MAX_PAYLOAD = 51200;

  private static final int MAX_HEAD = 16 * 1024;
  private static final Set<String> METHODS = Set.of("GET", "PUT", "PATCH");

  /** A parsed request; {@code body} is null when the request carried none. */
  record Request(String method, String path, Map<String, String> headers, byte[] body) {}

  /** An answer; {@code json} null means no body (204). */
  record Reply(int status, String json) {
    static Reply fault(int status, String message) {
      return new Reply(
          status, FirecrackerApi.JSON.createObjectNode().put("fault_message", message).toString());
    }
  }

  interface Handler {
    Reply handle(Request request);
  }

  /** A request that could not be parsed: answered with its fault and the connection closed. */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private final ServerSocketChannel server;
  private final Path socket;
  private final Handler handler;
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();

  private StubHttpServer(ServerSocketChannel server, Path socket, Handler handler) {
    this.server = server;
    this.socket = socket;
    this.handler = handler;
  }

  static StubHttpServer start(Path socket, Handler handler) throws IOException {
    ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    ch.bind(UnixDomainSocketAddress.of(socket)); // fails when the path exists, as Firecracker does
    StubHttpServer s = new StubHttpServer(ch, socket, handler);
    Thread.ofPlatform().daemon().name("fc-stub-accept").start(s::acceptLoop);
    return s;
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel c = server.accept();
        open.add(c);
        Thread.ofVirtual().name("fc-stub-conn").start(() -> serve(c));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(SocketChannel c) {
    try (c;
        InputStream in = new BufferedInputStream(Channels.newInputStream(c));
        OutputStream out = Channels.newOutputStream(c)) {
      while (true) {
        Request req;
        try {
          req = read(in);
        } catch (BadRequest e) {
          write(out, Reply.fault(e.status, e.getMessage()));
          return;
        }
        if (req == null) {
          return; // the client closed between requests
        }
        write(out, handler.handle(req));
        if ("close".equalsIgnoreCase(req.headers().getOrDefault("connection", ""))) {
          return;
        }
      }
    } catch (IOException e) {
      // the client went away
    } finally {
      open.remove(c);
    }
  }

  private static Request read(InputStream in) throws IOException, BadRequest {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    int matched = 0;
    while (matched < 4) {
      b = in.read();
      if (b < 0) {
        if (head.size() == 0) {
          return null;
        }
        throw new IOException("connection closed inside a request head");
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
      if (head.size() > MAX_HEAD) {
        throw new BadRequest(400, "Request head too large.");
      }
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    String[] start = lines[0].split(" ");
    if (start.length != 3) {
      throw new BadRequest(400, "Invalid request line.");
    }
    if (!start[2].equals("HTTP/1.1") && !start[2].equals("HTTP/1.0")) {
      throw new BadRequest(400, "Unsupported HTTP version.");
    }
    if (!METHODS.contains(start[0])) {
      throw new BadRequest(400, "Unsupported HTTP method.");
    }
    if (!start[1].startsWith("/")) {
      throw new BadRequest(400, "Invalid URI.");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        throw new BadRequest(400, "Invalid header: " + lines[i]);
      }
      headers.put(
          lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).strip());
    }
    if (headers.containsKey("transfer-encoding")) {
      throw new BadRequest(400, "Invalid header. Reason: Transfer-Encoding is not supported.");
    }
    byte[] body = null;
    String length = headers.get("content-length");
    if (length != null) {
      long n;
      try {
        n = Long.parseLong(length);
      } catch (NumberFormatException e) {
        throw new BadRequest(400, "Invalid value for Content-Length: " + length);
      }
      if (n < 0) {
        throw new BadRequest(400, "Invalid value for Content-Length: " + length);
      }
      if (n > MAX_PAYLOAD) {
        throw new BadRequest(
            413,
            "Request payload with size "
                + n
                + " is larger than the limit of "
                + MAX_PAYLOAD
                + " allowed by server.");
      }
      body = in.readNBytes((int) n);
      if (body.length < n) {
        throw new IOException("connection closed inside a request body");
      }
      if (n == 0) {
        body = null; // micro_http treats an empty body as none
      }
    }
    String path = start[1];
    int q = path.indexOf('?');
    return new Request(start[0], q >= 0 ? path.substring(0, q) : path, headers, body);
  }

  private static void write(OutputStream out, Reply r) throws IOException {
    StringBuilder h =
        new StringBuilder("HTTP/1.1 ")
            .append(r.status())
            .append(' ')
            .append(reason(r.status()))
            .append("\r\nServer: Firecracker API\r\nConnection: keep-alive\r\n");
    byte[] body = r.json() == null ? new byte[0] : r.json().getBytes(StandardCharsets.UTF_8);
    if (r.json() != null) {
      h.append("Content-Type: application/json\r\nContent-Length: ")
          .append(body.length)
          .append("\r\n");
    }
    h.append("\r\n");
    out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 204 -> "No Content";
      case 400 -> "Bad Request";
      case 413 -> "Payload Too Large";
      default -> "Internal Server Error";
    };
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (SocketChannel c : open) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // best effort
    }
  }
}
