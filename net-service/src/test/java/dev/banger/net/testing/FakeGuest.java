package dev.banger.net.testing;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.process.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A restored guest's networking, played by a small Python program holding a VM's tap open the way
 * its VMM does (opened by name in the service's namespace, before the tap moves). It answers ARP
 * for its address S and echoes UDP port 7, sending each echo to a stale gateway MAC, as a guest
 * whose ARP cache was snapshotted earlier would. After its first echo it asks ARP for the gateway G
 * and sends one datagram to G port 4001. It prints what it saw: {@code OPEN}, {@code ECHOED from
 * A}, {@code GWMAC M}, {@code SENT}.
 */
public final class FakeGuest implements AutoCloseable {

  static final String STALE_GATEWAY_MAC = "02:00:5e:00:00:99";
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final HostCommandRunner RUN = new HostCommandRunner();

  private static final String GUEST =
      """
      import fcntl, os, struct, sys, select, time
      tap, S, G, mac, stale = sys.argv[1:6]
      def ip4(a): return bytes(int(x) for x in a.split('.'))
      def m(a): return bytes(int(x, 16) for x in a.split(':'))
      S4, G4, MAC, STALE = ip4(S), ip4(G), m(mac), m(stale)
      fd = os.open('/dev/net/tun', os.O_RDWR)
      fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH', tap.encode(), 0x0002 | 0x1000))
      print('OPEN', flush=True)
      def csum(b):
          s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
          while s >> 16: s = (s & 0xffff) + (s >> 16)
          return (~s) & 0xffff
      def ipv4(src, dst, payload):
          h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 0, 0x4000, 64, 17, 0, src, dst)
          return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload
      def udp(sp, dp, data): return struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data
      def arp(op, sha, spa, tha, tpa):
          return struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, op, sha, spa, tha, tpa)
      gw = None; echoed = False; deadline = time.time() + 120
      while time.time() < deadline:
          r, _, _ = select.select([fd], [], [], 0.3)
          if echoed and gw is None and not r:
              os.write(fd, b'\\xff' * 6 + MAC + b'\\x08\\x06' + arp(1, MAC, S4, b'\\0' * 6, G4))
          if not r: continue
          f = os.read(fd, 65536)
          src, et = f[6:12], struct.unpack('!H', f[12:14])[0]
          if et == 0x0806:
              _, _, _, _, op, sha, spa, tha, tpa = struct.unpack('!HHBBH6s4s6s4s', f[14:42])
              if op == 1 and tpa == S4:
                  os.write(fd, src + MAC + b'\\x08\\x06' + arp(2, MAC, S4, sha, spa))
              elif op == 2 and spa == G4 and echoed and gw is None:
                  gw = sha
                  print('GWMAC', ':'.join('%02x' % c for c in sha), flush=True)
                  os.write(fd, gw + MAC + b'\\x08\\x00' + ipv4(S4, G4, udp(4000, 4001, b'hello')))
                  print('SENT', flush=True)
          elif et == 0x0800 and f[23] == 17 and f[30:34] == S4:
              u = f[14 + (f[14] & 0xf) * 4:]
              sp, dp = struct.unpack('!HH', u[:4])
              if dp == 7:
                  os.write(fd, STALE + MAC + b'\\x08\\x00' + ipv4(S4, f[26:30], udp(7, sp, u[8:])))
                  echoed = True
                  print('ECHOED from', '.'.join(str(c) for c in f[26:30]), flush=True)
      """;

  /** From the bridge's side: an echo to U port 7, then waits for the guest's datagram. */
  private static final String CLIENT =
      """
      import socket, sys
      U, G = sys.argv[1:3]
      r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind((G, 4001)); r.settimeout(15)
      s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
      for i in range(5):
          s.sendto(b'ping', (U, 7))
          try:
              d, a = s.recvfrom(100); print('ECHO', d.decode(), a[0], a[1], flush=True); break
          except socket.timeout: print('retry', flush=True)
      d, a = r.recvfrom(100); print('GUEST', d.decode(), a[0], flush=True)
      """;

  private final RunningProcess process;
  private final Path log;

  private FakeGuest(RunningProcess process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Skips loudly without /usr/bin/python3. */
  public static void requirePython() {
    Assumptions.assumeTrue(
        Files.isExecutable(PYTHON),
        "SKIPPED LOUDLY: /usr/bin/python3 is missing (apt-get install python3)");
  }

  /** Opens {@code tap} in {@code ns} as guest {@code guestIp} with MAC {@code mac}. */
  public static FakeGuest open(
      NetNamespace ns, String tap, String guestIp, String gatewayIp, String mac, Path dir)
      throws Exception {
    requirePython();
    Path log = dir.resolve("guest-" + tap + ".log");
    RunningProcess p =
        RUN.start(
            Command.of(
                    "ip",
                    "netns",
                    "exec",
                    ns.name(),
                    PYTHON.toString(),
                    "-c",
                    GUEST,
                    tap,
                    guestIp,
                    gatewayIp,
                    mac,
                    STALE_GATEWAY_MAC)
                .build(),
            log);
    FakeGuest g = new FakeGuest(p, log);
    g.await("OPEN");
    return g;
  }

  /** Waits for a line starting with {@code prefix}; returns it. */
  public String await(String prefix) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Pattern line = Pattern.compile("(?m)^" + Pattern.quote(prefix) + ".*$");
    while (true) {
      String out = Files.exists(log) ? Files.readString(log) : "";
      Matcher m = line.matcher(out);
      if (m.find()) {
        return m.group();
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("the fake guest never said " + prefix + "; its output:\n" + out);
      }
      Thread.sleep(20);
    }
  }

  /**
   * Runs the bridge side in {@code ns}: an echo to {@code leaseIp}, then the guest's datagram to
   * {@code gatewayIp}. Returns what it printed ({@code ECHO ping <from> 7}, {@code GUEST hello
   * <from>}).
   */
  public static String exchange(NetNamespace ns, String leaseIp, String gatewayIp)
      throws Exception {
    CommandResult r =
        RUN.run(
            Command.of(
                    "ip",
                    "netns",
                    "exec",
                    ns.name(),
                    PYTHON.toString(),
                    "-c",
                    CLIENT,
                    leaseIp,
                    gatewayIp)
                .timeout(Duration.ofSeconds(40))
                .build());
    if (!r.succeeded()) {
      throw new AssertionError("the bridge side failed: " + r.stdoutText() + r.stderrText());
    }
    return r.stdoutText();
  }

  public String output() throws Exception {
    return Files.readString(log);
  }

  @Override
  public void close() throws Exception {
    process.kill();
    process.waitFor(Duration.ofSeconds(10));
  }
}
