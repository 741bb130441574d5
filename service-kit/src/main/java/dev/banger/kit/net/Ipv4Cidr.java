package dev.banger.kit.net;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 address with a prefix length, e.g. a bridge's {@code 172.16.0.1/24}. Parsed strictly, so
 * what reaches {@code ip} or {@code nft} is always our own rendering, never the caller's text: four
 * decimal octets without leading zeros (which some tools read as octal), a prefix 0..32.
 *
 * @param address the address as an unsigned 32-bit value in an int
 * @param prefix the prefix length
 */
public record Ipv4Cidr(int address, int prefix) {

  private static final Pattern FORM =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");
  private static final Pattern ADDRESS =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

  public Ipv4Cidr {
    if (prefix < 0 || prefix > 32) {
      throw new IllegalArgumentException("prefix length must be 0..32, got " + prefix);
    }
  }

  /** Parses {@code a.b.c.d/p}; the message says what is wrong, without echoing the input. */
  public static Ipv4Cidr parse(String text) {
    Matcher m = text == null ? null : FORM.matcher(text);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException(
          "is not an IPv4 address with a prefix length, like 172.16.0.1/24");
    }
    String p = m.group(5);
    if (p.length() > 1 && p.charAt(0) == '0') {
      throw new IllegalArgumentException("has a prefix length with a leading zero");
    }
    int prefix = Integer.parseInt(p);
    if (prefix > 32) {
      throw new IllegalArgumentException("has a prefix length over 32");
    }
    return new Ipv4Cidr(octets(m), prefix);
  }

  /** Parses a bare dotted-quad address into its 32-bit value. */
  public static int parseAddress(String text) {
    Matcher m = text == null ? null : ADDRESS.matcher(text);
    if (m == null || !m.matches()) {
      throw new IllegalArgumentException("is not an IPv4 address like 172.16.0.2");
    }
    return octets(m);
  }

  private static int octets(Matcher m) {
    int value = 0;
    for (int i = 1; i <= 4; i++) {
      String o = m.group(i);
      if (o.length() > 1 && o.charAt(0) == '0') {
        throw new IllegalArgumentException("has an octet with a leading zero");
      }
      int v = Integer.parseInt(o);
      if (v > 255) {
        throw new IllegalArgumentException("has an octet over 255");
      }
      value = (value << 8) | v;
    }
    return value;
  }

  public int mask() {
    return prefix == 0 ? 0 : -1 << (32 - prefix);
  }

  public int network() {
    return address & mask();
  }

  public int broadcast() {
    return network() | ~mask();
  }

  public boolean contains(int addr) {
    return (addr & mask()) == network();
  }

  /** Whether the two networks share any address. */
  public boolean overlaps(Ipv4Cidr other) {
    int shorter = Math.min(prefix, other.prefix);
    int m = shorter == 0 ? 0 : -1 << (32 - shorter);
    return (address & m) == (other.address & m);
  }

  /** The address alone, dotted. */
  public String addressText() {
    return format(address);
  }

  /** The network in canonical form, e.g. {@code 172.16.0.0/24}. */
  public String networkText() {
    return format(network()) + "/" + prefix;
  }

  public static String format(int addr) {
    return ((addr >>> 24) & 0xff)
        + "."
        + ((addr >>> 16) & 0xff)
        + "."
        + ((addr >>> 8) & 0xff)
        + "."
        + (addr & 0xff);
  }

  @Override
  public String toString() {
    return format(address) + "/" + prefix;
  }
}
