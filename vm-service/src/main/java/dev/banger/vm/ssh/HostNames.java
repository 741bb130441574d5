package dev.banger.vm.ssh;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The names banger writes into known_hosts. They come from VM records (an IPv4 lease, a {@code
 * name.vm} alias) but still cross into a file OpenSSH parses, where a space, comma, newline, {@code
 * *}, {@code ?}, {@code !} or {@code [} would add a name, a pattern or a whole line: only IPv4
 * addresses and DNS names are accepted, lower-cased as OpenSSH compares them.
 */
final class HostNames {

  private static final Pattern IPV4 =
      Pattern.compile(
          "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern NUMERIC = Pattern.compile("[0-9.]+");

  private HostNames() {}

  /**
   * @return {@code name} lower-cased, when it is an IPv4 address or a DNS name
   */
  static String check(String name) {
    if (name == null || name.isEmpty() || name.length() > 253) {
      throw new IllegalArgumentException("not a host name or IPv4 address: " + quote(name));
    }
    String n = name.toLowerCase(Locale.ROOT);
    if (IPV4.matcher(n).matches()) {
      return n;
    }
    // "999.1.1.1" is no address, and as a name it would only confuse.
    if (!NUMERIC.matcher(n).matches()) {
      boolean ok = true;
      for (String label : n.split("\\.", -1)) {
        ok &= LABEL.matcher(label).matches();
      }
      if (ok) {
        return n;
      }
    }
    throw new IllegalArgumentException("not a host name or IPv4 address: " + quote(name));
  }

  /**
   * @return {@code ip} when it is a dotted-quad IPv4 address (guests are reached by address, never
   *     by a lookup)
   */
  static String checkIpv4(String ip) {
    if (ip == null || !IPV4.matcher(ip).matches()) {
      throw new IllegalArgumentException("not an IPv4 address: " + quote(ip));
    }
    return ip;
  }

  static int checkPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("not a TCP port: " + port);
    }
    return port;
  }

  /**
   * The known_hosts spelling: {@code host} on port 22, {@code [host]:port} otherwise (as OpenSSH).
   */
  static String entryName(String checkedHost, int port) {
    return port == 22 ? checkedHost : "[" + checkedHost + "]:" + port;
  }

  /** The bare host of a known_hosts name ({@code [h]:p} → {@code h}). */
  static String hostOf(String entryName) {
    if (entryName.startsWith("[")) {
      int close = entryName.indexOf("]:");
      return close > 0 ? entryName.substring(1, close) : entryName;
    }
    return entryName;
  }

  /** For messages: the raw input, with control characters made visible. */
  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return b.append('"').toString();
  }
}
