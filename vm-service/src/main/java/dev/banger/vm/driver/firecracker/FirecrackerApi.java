package dev.banger.vm.driver.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.vm.driver.DriverException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Firecracker's REST API over its Unix socket: HTTP/1.1, one request per connection ({@code
 * Connection: close}), JSON bodies. The response is read by its {@code Content-Length}, so nothing
 * depends on the server closing first. A Unix {@link SocketChannel} has no read timeout, so every
 * exchange is bounded by a timer that closes the channel (as in QmpClient). A non-2xx answer
 * becomes a {@link DriverException} carrying Firecracker's {@code fault_message}.
 */
public final class FirecrackerApi {

  static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_HEAD = 64 * 1024;
  private static final int MAX_BODY = 1 << 20;
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "firecracker-api-timeout");
            t.setDaemon(true);
            return t;
          });

  /** One HTTP answer: status code and body text (empty for 204). */
  public record Response(int status, String body) {
    public boolean ok() {
      return status / 100 == 2;
    }

    /**
     * Firecracker's {@code {"fault_message": "..."}}, or the raw body when it is not that shape.
     */
    public String faultMessage() {
      try {
        JsonNode n = JSON.readTree(body);
        if (n != null && n.path("fault_message").isTextual()) {
          return n.get("fault_message").asText();
        }
      } catch (IOException e) {
        // not JSON: report the text itself
      }
      String b = body.strip();
      return b.isEmpty() ? "(no body)" : b.length() > 300 ? b.substring(0, 300) + "…" : b;
    }
  }

  private final Path socket;
  private final Duration timeout;

  public FirecrackerApi(Path socket, Duration timeout) {
    this.socket = socket;
    this.timeout = timeout;
  }

  public Path socket() {
    return socket;
  }

  /** GET {@code path}, insisting on 200 with a JSON body. */
  public JsonNode get(String path) throws DriverException {
    Response r = call("GET", path, null);
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new DriverException(
          "Firecracker GET " + path + " answered something that is not JSON", e);
    }
  }

  /** PUT {@code body} (serialized as JSON) to {@code path}, insisting on a 2xx answer. */
  public void put(String path, Object body) throws DriverException {
    send("PUT", path, body);
  }

  /** PATCH {@code body} (serialized as JSON) to {@code path}, insisting on a 2xx answer. */
  public void patch(String path, Object body) throws DriverException {
    send("PATCH", path, body);
  }

  private void send(String method, String path, Object body) throws DriverException {
    try {
      call(method, path, JSON.writeValueAsString(body));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new DriverException(
          "cannot encode the body of " + method + " " + path + ": " + e.getMessage(), e);
    }
  }

  private Response call(String method, String path, String body) throws DriverException {
    Response r;
    try {
      r = exchange(method, path, body);
    } catch (IOException e) {
      throw new DriverException(
          "Firecracker API " + method + " " + path + " on " + socket + ": " + e.getMessage(), e);
    }
    if (!r.ok()) {
      throw new DriverException(
          "Firecracker answered "
              + method
              + " "
              + path
              + " with "
              + r.status()
              + ": "
              + r.faultMessage());
    }
    return r;
  }

  /** One raw exchange, whatever the status; {@code body} null sends none. */
  public Response exchange(String method, String path, String body) throws IOException {
    byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head =
        new StringBuilder()
            .append(method)
            .append(' ')
            .append(path)
            .append(" HTTP/1.1\r\n")
            .append("Host: localhost\r\nAccept: application/json\r\nConnection: close\r\n");
    if (body != null) {
      head.append("Content-Type: application/json\r\nContent-Length: ")
          .append(payload.length)
          .append("\r\n");
    }
    head.append("\r\n");
    byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ScheduledFuture<?> timer =
          TIMER.schedule(() -> closeQuietly(ch), timeout.toMillis(), TimeUnit.MILLISECONDS);
      try {
        ch.connect(UnixDomainSocketAddress.of(socket));
        try {
          writeAll(ch, ByteBuffer.wrap(headBytes));
          writeAll(ch, ByteBuffer.wrap(payload));
        } catch (IOException writeFailed) {
          // a server may answer and close before taking the whole body (413): read its answer
          try {
            return read(ch, method);
          } catch (IOException noAnswer) {
            writeFailed.addSuppressed(noAnswer);
            throw writeFailed;
          }
        }
        return read(ch, method);
      } catch (IOException e) {
        if (!ch.isOpen()) {
          throw new IOException("no answer within " + timeout.toMillis() + " ms", e);
        }
        throw e;
      } finally {
        timer.cancel(false);
      }
    }
  }

  private static void writeAll(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static Response read(SocketChannel ch, String method) throws IOException {
    ByteBuffer in = ByteBuffer.allocate(8192);
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    ByteArrayOutputStream rest = new ByteArrayOutputStream();
    // the head ends at the first CRLF CRLF; whatever follows it in the same read is body
    while (true) {
      in.clear();
      int n = ch.read(in);
      if (n < 0) {
        throw new IOException("the API closed the connection before a complete response head");
      }
      head.write(in.array(), 0, n);
      byte[] h = head.toByteArray();
      int end = indexOf(h, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      if (end >= 0) {
        rest.write(h, end + 4, h.length - end - 4);
        head.reset();
        head.write(h, 0, end);
        break;
      }
      if (h.length > MAX_HEAD) {
        throw new IOException("response head longer than " + MAX_HEAD + " bytes");
      }
    }
    String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    String[] status = lines[0].split(" ", 3);
    if (status.length < 2 || !status[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP response: " + abbreviate(lines[0]));
    }
    int code;
    try {
      code = Integer.parseInt(status[1]);
    } catch (NumberFormatException e) {
      throw new IOException("bad HTTP status line: " + abbreviate(lines[0]), e);
    }
    long length = 0;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0
          && lines[i]
              .substring(0, colon)
              .strip()
              .toLowerCase(Locale.ROOT)
              .equals("content-length")) {
        try {
          length = Long.parseLong(lines[i].substring(colon + 1).strip());
        } catch (NumberFormatException e) {
          throw new IOException("bad Content-Length: " + abbreviate(lines[i]), e);
        }
      }
    }
    if (length < 0 || length > MAX_BODY) {
      throw new IOException("response body of " + length + " bytes refused");
    }
    if (method.equals("HEAD") || code == 204 || code == 304) {
      length = 0;
    }
    while (rest.size() < length) {
      in.clear();
      int n = ch.read(in);
      if (n < 0) {
        throw new IOException(
            "the API closed the connection after " + rest.size() + " of " + length + " body bytes");
      }
      rest.write(in.array(), 0, n);
    }
    byte[] b = rest.toByteArray();
    return new Response(code, new String(b, 0, (int) length, StandardCharsets.UTF_8));
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // closing is the point
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }
}
