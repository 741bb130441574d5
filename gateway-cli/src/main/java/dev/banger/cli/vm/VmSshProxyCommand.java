package dev.banger.cli.vm;

import dev.banger.cli.CliException;
import dev.banger.cli.Services;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code banger vm ssh-proxy HOST PORT}: the ProxyCommand of the {@code Host *.vm} block ({@code
 * banger ssh-config}). It asks vm-service for the VM's address and relays ssh's stdin and stdout to
 * it, so {@code ssh NAME.vm} works without the host's resolver knowing {@code .vm}. ssh still
 * checks the guest's key against banger's known_hosts, where the VM is pinned as {@code NAME.vm}.
 */
@Command(
    name = "ssh-proxy",
    description = "Relay stdin/stdout to a VM's port (the ProxyCommand of 'banger ssh-config').",
    mixinStandardHelpOptions = true)
public final class VmSshProxyCommand implements Callable<Integer> {

  static final int CONNECT_TIMEOUT_MS = 10_000;
  static final int BUFFER = 64 * 1024;

  @CommandLine.ParentCommand VmCommand vm;

  @Parameters(index = "0", paramLabel = "HOST", description = "NAME.vm, or the VM's name or id.")
  String host;

  @Parameters(index = "1", paramLabel = "PORT", description = "Port in the guest (ssh: 22).")
  int port;

  /** The VM a host name means: {@code NAME.vm} (as ssh passes %h, maybe upper-cased) or NAME. */
  static String vmOf(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1); // a fully qualified "name.vm."
    }
    return h.endsWith(".vm") ? h.substring(0, h.length() - ".vm".length()) : h;
  }

  @Override
  public Integer call() throws Exception {
    if (port < 1 || port > 65535) {
      throw new CliException("port must be 1..65535, got " + port);
    }
    String ip;
    try (Services s = vm.services()) {
      ip = VmCommand.reachable(VmCommand.get(s, vmOf(host)));
    }
    try (Socket socket = new Socket()) {
      try {
        socket.connect(new InetSocketAddress(ip, port), CONNECT_TIMEOUT_MS);
      } catch (IOException e) {
        throw new CliException(
            "cannot reach " + vmOf(host) + " at " + ip + ":" + port + ": " + e.getMessage());
      }
      socket.setTcpNoDelay(true);
      InputStream fromGuest = socket.getInputStream();
      OutputStream toGuest = socket.getOutputStream();
      // ssh's stdin to the guest on a thread of its own; its EOF half-closes the connection, so
      // the guest still gets to answer.
      Thread up =
          Thread.ofPlatform()
              .daemon()
              .name("ssh-proxy-up")
              .start(
                  () -> {
                    try {
                      copy(System.in, toGuest);
                      socket.shutdownOutput();
                    } catch (IOException closed) {
                      // the guest side closed first: the copy below ends too
                    }
                  });
      // Raw stdout, not System.out: a PrintStream hides the error when ssh has gone.
      copy(fromGuest, new java.io.FileOutputStream(java.io.FileDescriptor.out));
      up.interrupt();
    }
    return 0;
  }

  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[BUFFER];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
      out.flush();
    }
  }
}
