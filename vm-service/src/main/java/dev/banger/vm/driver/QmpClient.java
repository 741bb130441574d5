package dev.banger.vm.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A QMP session over the VM's control socket: greeting, {@code qmp_capabilities}, then one command
 * at a time, each answered by a {@code return} or {@code error} line (asynchronous {@code event}
 * lines in between are skipped). A Unix {@link SocketChannel} has no read timeout, so each exchange
 * is bounded by a timer that closes the channel.
 */
final class QmpClient implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_LINE = 1 << 20;
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "qmp-timeout");
            t.setDaemon(true);
            return t;
          });

  private final SocketChannel channel;
  private final Duration timeout;
  private final ByteBuffer in = ByteBuffer.allocate(8192);
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();

  private QmpClient(SocketChannel channel, Duration timeout) {
    this.channel = channel;
    this.timeout = timeout;
    in.flip();
  }

  /** Connects and leaves the greeting's capability negotiation done. */
  static QmpClient connect(Path socket, Duration timeout) throws IOException {
    SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    QmpClient c = new QmpClient(ch, timeout);
    try {
      JsonNode greeting = c.bounded(c::readLine);
      if (!greeting.has("QMP")) {
        throw new IOException("not a QMP greeting: " + abbreviate(greeting.toString()));
      }
      c.execute("qmp_capabilities");
      return c;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** Runs {@code command} and returns its {@code return} value. */
  JsonNode execute(String command) throws IOException {
    return execute(command, null);
  }

  /** An empty {@code arguments} object to fill for {@link #execute(String, ObjectNode)}. */
  static ObjectNode arguments() {
    return JSON.createObjectNode();
  }

  /** Runs {@code command} with {@code arguments} (null: none) and returns its value. */
  JsonNode execute(String command, ObjectNode arguments) throws IOException {
    ObjectNode req = JSON.createObjectNode().put("execute", command);
    if (arguments != null) {
      req.set("arguments", arguments);
    }
    byte[] bytes = (JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8);
    return bounded(
        () -> {
          ByteBuffer out = ByteBuffer.wrap(bytes);
          while (out.hasRemaining()) {
            channel.write(out);
          }
          while (true) {
            JsonNode reply = readLine();
            if (reply.has("return")) {
              return reply.get("return");
            }
            if (reply.has("error")) {
              throw new IOException(
                  "QMP " + command + " failed: " + abbreviate(reply.get("error").toString()));
            }
            // an event: not ours
          }
        });
  }

  private interface Exchange {
    JsonNode run() throws IOException;
  }

  private JsonNode bounded(Exchange x) throws IOException {
    ScheduledFuture<?> timer =
        TIMER.schedule(
            () -> {
              try {
                channel.close();
              } catch (IOException ignored) {
                // closing is the point; nothing more to do
              }
            },
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
    try {
      return x.run();
    } catch (IOException e) {
      if (!channel.isOpen()) {
        throw new IOException("QMP did not answer within " + timeout.toMillis() + " ms", e);
      }
      throw e;
    } finally {
      timer.cancel(false);
    }
  }

  private JsonNode readLine() throws IOException {
    line.reset();
    while (true) {
      if (!in.hasRemaining()) {
        in.clear();
        int n = channel.read(in);
        in.flip();
        if (n < 0) {
          throw new IOException("QMP closed the connection");
        }
        continue;
      }
      byte b = in.get();
      if (b == '\n') {
        return JSON.readTree(line.toByteArray());
      }
      if (line.size() >= MAX_LINE) {
        throw new IOException("QMP line longer than " + MAX_LINE + " bytes");
      }
      line.write(b);
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
