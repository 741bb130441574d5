package dev.banger.net.dns;

import static dev.banger.net.dns.VmZoneTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server as BIND's {@code dig} sees it: a second, independent DNS implementation reading our
 * packets.
 */
class DigTest {

  private static final VmZone zone = new VmZone();
  private static VmDnsServer server;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/dig")),
        "SKIPPED LOUDLY: /usr/bin/dig is missing; install bind9-dnsutils (.ci/run does) to run the dig tests");
    zone.put("web", ip("172.16.0.5"));
    server = VmDnsServer.start(zone, List.of(new InetSocketAddress("127.0.0.1", 0)));
    port = server.boundAddresses().getFirst().getPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String dig(String... args) throws Exception {
    List<String> argv =
        new ArrayList<>(List.of("@127.0.0.1", "-p", Integer.toString(port), "+time=3", "+tries=1"));
    argv.addAll(List.of(args));
    CommandResult r =
        new HostCommandRunner()
            .run(Command.of("/usr/bin/dig").args(argv).timeout(Duration.ofSeconds(20)).build());
    assertEquals(0, r.exitCode(), r.stdoutText() + r.stderrText());
    return r.stdoutText();
  }

  private static void assertLine(String output, String regex) {
    assertTrue(
        Pattern.compile(regex, Pattern.MULTILINE).matcher(output).find(),
        "no line /" + regex + "/ in:\n" + output);
  }

  @Test
  void anARecordOverUdpAndTcp() throws Exception {
    for (String transport : new String[] {"+notcp", "+tcp"}) {
      String out = dig("web.vm", "A", "+norec", transport);
      assertLine(out, "^;; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: \\d+$");
      assertLine(
          out, "^;; flags: qr aa; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1$"); // + our OPT
      assertLine(out, "^web\\.vm\\.\\s+5\\s+IN\\s+A\\s+172\\.16\\.0\\.5$");
      assertLine(out, "^; EDNS: version: 0, flags:; udp: 1232$");
      assertLine(
          out,
          "^;; SERVER: 127\\.0\\.0\\.1#"
              + port
              + "\\(127\\.0\\.0\\.1\\) \\("
              + (transport.equals("+tcp") ? "TCP" : "UDP")
              + "\\)$");
    }
  }

  @Test
  void nxdomainNodataAndRefusedAsDigShowsThem() throws Exception {
    String nx = dig("nope.vm", "A", "+norec");
    assertLine(nx, "status: NXDOMAIN");
    assertLine(nx, "^vm\\.\\s+5\\s+IN\\s+SOA\\s+vm\\. hostmaster\\.vm\\. \\d+ 3600 600 86400 5$");

    String nodata = dig("web.vm", "AAAA", "+norec");
    assertLine(nodata, "status: NOERROR");
    assertLine(nodata, "ANSWER: 0, AUTHORITY: 1");

    String refused = dig("example.com", "A"); // RD set, as a stub resolver would ask
    assertLine(refused, "status: REFUSED");
    assertLine(refused, "^;; flags: qr rd; QUERY: 1, ANSWER: 0, AUTHORITY: 0");
    assertLine(refused, "^;; WARNING: recursion requested but not available$");
  }

  @Test
  void withoutEdnsTheAnswerHasNoOpt() throws Exception {
    String out = dig("WEB.VM", "A", "+norec", "+noedns");
    assertLine(out, "^;; flags: qr aa; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 0$");
    assertLine(out, "^;WEB\\.VM\\.\\s+IN\\s+A$"); // the question as asked
    assertFalse(out.contains("EDNS"), out);
  }

  @Test
  void theSoaAtTheApexFollowsZoneChanges() throws Exception {
    long before = zone.version().serial();
    assertLine(dig("vm", "SOA", "+norec", "+short"), "^vm\\. hostmaster\\.vm\\. " + before + " ");
    zone.put("later", ip("172.16.0.9"));
    assertLine(
        dig("vm", "SOA", "+norec", "+short"), "^vm\\. hostmaster\\.vm\\. " + (before + 1) + " ");
    assertLine(dig("later.vm", "A", "+norec", "+short"), "^172\\.16\\.0\\.9$");
  }
}
