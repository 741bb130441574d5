package dev.banger.vm.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * A guest stand-in: MINA's SSH server on 127.0.0.1, an ed25519 host key of its own, public key auth
 * for root with one accepted key, and a few commands answered in Java (no processes): {@code true},
 * {@code false}, {@code exit N}, {@code echo X}, {@code err X} (to stderr), {@code big N} (N bytes
 * of 'x'), {@code cat} (stdin to stdout), {@code sleep MS}, and the poweroff command, which drops
 * the connection without an exit status as a guest going down does.
 */
final class TestSshServer implements AutoCloseable {

  final KeyPair hostKey;
  final SshServer server;
  final List<String> commands = new CopyOnWriteArrayList<>();

  /** What each {@code stdin} command read, in order. */
  final List<String> inputs = new CopyOnWriteArrayList<>();

  final AtomicInteger authentications = new AtomicInteger();
  volatile boolean poweroffFails;

  private TestSshServer(KeyPair hostKey, SshServer server) {
    this.hostKey = hostKey;
    this.server = server;
  }

  static TestSshServer start(PublicKey accepted) throws Exception {
    return start(accepted, 0);
  }

  /**
   * @param port 0 for an ephemeral one
   */
  static TestSshServer start(PublicKey accepted, int port) throws Exception {
    KeyPair hostKey = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    SshServer sshd = SshServer.setUpDefaultServer();
    TestSshServer t = new TestSshServer(hostKey, sshd);
    sshd.setHost("127.0.0.1");
    sshd.setPort(port);
    sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    sshd.setPasswordAuthenticator(null);
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setPublickeyAuthenticator(
        (user, key, session) -> {
          boolean ok = "root".equals(user) && KeyUtils.compareKeys(key, accepted);
          if (ok) {
            t.authentications.incrementAndGet();
          }
          return ok;
        });
    sshd.setCommandFactory((channel, command) -> t.new JavaCommand(command));
    sshd.start();
    return t;
  }

  int port() {
    return server.getPort();
  }

  /** A port nothing listens on (just closed), for "connection refused". */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException {
    server.stop(true);
  }

  private final class JavaCommand implements Command, Runnable {
    private final String command;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private ChannelSession channel;

    JavaCommand(String command) {
      this.command = command;
    }

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      this.channel = channel;
      commands.add(command);
      Thread.ofVirtual().start(this);
    }

    @Override
    public void destroy(ChannelSession channel) {}

    @Override
    public void run() {
      try {
        exit.onExit(answer());
      } catch (Exception e) {
        exit.onExit(255, e.toString());
      }
    }

    private int answer() throws Exception {
      String[] w = command.split(" ", 2);
      String arg = w.length > 1 ? w[1] : "";
      switch (w[0]) {
        case "true":
          return 0;
        case "false":
          return 1;
        case "exit":
          return Integer.parseInt(arg);
        case "echo":
          write(out, arg + "\n");
          return 0;
        case "err":
          write(err, arg + "\n");
          return 0;
        case "big":
          {
            byte[] chunk = new byte[64 << 10];
            java.util.Arrays.fill(chunk, (byte) 'x');
            for (long left = Long.parseLong(arg); left > 0; left -= chunk.length) {
              out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
            out.flush();
            return 0;
          }
        case "stdin":
          inputs.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
          return 0;
        case "cat":
          in.transferTo(out);
          out.flush();
          return 0;
        case "sleep":
          Thread.sleep(Long.parseLong(arg));
          return 0;
        default:
          if (command.equals(GuestSsh.POWEROFF_COMMAND)) {
            if (poweroffFails) {
              write(err, "Failed to power off system: Access denied\n");
              return 1;
            }
            channel.getSession().close(true);
            return 0;
          }
          write(err, "unknown command: " + command + "\n");
          return 127;
      }
    }

    private void write(OutputStream s, String text) throws IOException {
      s.write(text.getBytes(StandardCharsets.UTF_8));
      s.flush();
    }
  }
}
