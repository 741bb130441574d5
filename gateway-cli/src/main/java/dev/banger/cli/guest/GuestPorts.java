package dev.banger.cli.guest;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The listening sockets {@code ss -H -l -n -t -u -p} prints in a guest, and whether one speaks
 * HTTP.
 */
public final class GuestPorts {

  /** One listening socket; {@code process} may be empty (ss shows it only to root). */
  public record Port(String proto, String address, int port, String process) {
    public boolean loopbackOnly() {
      return address.startsWith("127.") || address.equals("[::1]") || address.equals("::1");
    }
  }

  /** The guest command: fixed, no user input. */
  public static final String SS = "ss -H -l -n -t -u -p";

  private static final Pattern ADDR = Pattern.compile("(.*):(\\d+)");
  private static final Pattern PROCESS = Pattern.compile("users:\\(\\(\"([^\"]+)\"");

  private GuestPorts() {}

  /** Lines like {@code tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:* users:(("sshd",pid=1,fd=3))}. */
  public static List<Port> parse(String ss) {
    List<Port> out = new ArrayList<>();
    for (String line : ss.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 5 || !(f[0].equals("tcp") || f[0].equals("udp"))) {
        continue;
      }
      Matcher m = ADDR.matcher(f[4]);
      if (!m.matches()) {
        continue;
      }
      String addr = m.group(1);
      int pct =
          addr.indexOf('%'); // 0.0.0.0%lo, [::]%eth0: the interface is not part of the address
      if (pct >= 0) {
        addr = addr.substring(0, pct) + (addr.startsWith("[") && !addr.endsWith("]") ? "]" : "");
      }
      Matcher p = PROCESS.matcher(line);
      Port port = new Port(f[0], addr, Integer.parseInt(m.group(2)), p.find() ? p.group(1) : "");
      if (!out.contains(port)) {
        out.add(port);
      }
    }
    return out;
  }

  /**
   * True when something at ip:port answers an HTTP request with an HTTP status line within a
   * second.
   */
  public static boolean speaksHttp(String ip, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(ip, port), 1000);
      s.setSoTimeout(1000);
      OutputStream o = s.getOutputStream();
      o.write(("HEAD / HTTP/1.0\r\nHost: " + ip + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      o.flush();
      InputStream in = s.getInputStream();
      byte[] head = in.readNBytes(5);
      return new String(head, StandardCharsets.US_ASCII).equals("HTTP/");
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
