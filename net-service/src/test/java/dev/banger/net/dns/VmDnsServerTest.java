package dev.banger.net.dns;

import static dev.banger.net.dns.VmZoneTest.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The server on real loopback sockets (127.0.0.1, port 0), asked by dnsjava's resolver and by raw
 * packets.
 */
class VmDnsServerTest {

  static final InetSocketAddress ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

  private final VmZone zone = new VmZone();
  private final List<VmDnsServer> started = new ArrayList<>();

  private DnsClient start(DnsOptions options) throws IOException {
    VmDnsServer s = VmDnsServer.start(zone, List.of(ANY_PORT), options);
    started.add(s);
    return new DnsClient(s.boundAddresses().getFirst());
  }

  private DnsClient start() throws IOException {
    return start(DnsOptions.defaults());
  }

  @AfterEach
  void stop() {
    started.forEach(VmDnsServer::close);
  }

  static Inet4Address answer(Message r) {
    assertEquals(Rcode.NOERROR, r.getRcode(), () -> r.toString());
    List<Record> answers = r.getSection(Section.ANSWER);
    assertEquals(1, answers.size(), () -> r.toString());
    return (Inet4Address) ((ARecord) answers.getFirst()).getAddress();
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void answersANodataNxdomainRefusedAndSoaOverBothTransports(boolean tcp) throws Exception {
    zone.put("web", ip("172.16.0.5"));
    DnsClient c = start();

    Message a = c.ask("web.vm.", Type.A, tcp);
    assertEquals(ip("172.16.0.5"), answer(a));
    assertTrue(a.getHeader().getFlag(Flags.AA));
    assertFalse(a.getHeader().getFlag(Flags.RA));

    Message aaaa = c.ask("web.vm.", Type.AAAA, tcp);
    assertEquals(Rcode.NOERROR, aaaa.getRcode());
    assertEquals(0, aaaa.getSection(Section.ANSWER).size());
    assertTrue(aaaa.getSection(Section.AUTHORITY).getFirst() instanceof SOARecord);

    Message nx = c.ask("nope.vm.", Type.A, tcp);
    assertEquals(Rcode.NXDOMAIN, nx.getRcode());
    assertTrue(nx.getSection(Section.AUTHORITY).getFirst() instanceof SOARecord);
    assertEquals(Rcode.NXDOMAIN, c.ask("a.web.vm.", Type.A, tcp).getRcode());

    Message refused = c.ask("example.com.", Type.A, tcp);
    assertEquals(Rcode.REFUSED, refused.getRcode());
    assertFalse(refused.getHeader().getFlag(Flags.AA));

    Message soa = c.ask("vm.", Type.SOA, tcp);
    assertEquals(
        zone.version().serial(),
        ((SOARecord) soa.getSection(Section.ANSWER).getFirst()).getSerial());
  }

  @Test
  void recordsFollowPutRemoveAndRenameAtOnce() throws Exception {
    DnsClient c = start();
    assertEquals(Rcode.NXDOMAIN, c.ask("box.vm.", Type.A, false).getRcode());
    zone.put("box", ip("172.16.0.7"));
    assertEquals(ip("172.16.0.7"), answer(c.ask("box.vm.", Type.A, false)));
    zone.put("box", ip("172.16.0.8"));
    assertEquals(ip("172.16.0.8"), answer(c.ask("BOX.vm.", Type.A, true)));
    zone.rename("box", "crate");
    assertEquals(Rcode.NXDOMAIN, c.ask("box.vm.", Type.A, false).getRcode());
    assertEquals(ip("172.16.0.8"), answer(c.ask("crate.vm.", Type.A, false)));
    zone.remove("crate");
    assertEquals(Rcode.NXDOMAIN, c.ask("crate.vm.", Type.A, false).getRcode());
  }

  @Test
  void concurrentQueriesWhileRecordsChangeAlwaysSeeAWholeZone() throws Exception {
    zone.put("stable", ip("172.16.0.2"));
    zone.put("flip", ip("172.16.0.3"));
    DnsClient c = start();
    Set<Inet4Address> flipValues = Set.of(ip("172.16.0.3"), ip("172.16.0.4"));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong queries = new AtomicLong();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    Thread writer =
        Thread.ofPlatform()
            .start(
                () -> {
                  for (int i = 0; !stop.get(); i++) {
                    try {
                      zone.put("flip", ip(i % 2 == 0 ? "172.16.0.4" : "172.16.0.3"));
                      zone.put("tmp", ip("172.16.0.9"));
                      zone.rename("tmp", "tmp2");
                      zone.remove("tmp2");
                    } catch (Exception e) {
                      problems.add("writer: " + e);
                    }
                  }
                });
    List<Thread> readers = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(4);
    for (int t = 0; t < 4; t++) {
      boolean tcp = t == 3;
      readers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      for (int i = 0; i < 150; i++) {
                        Message s = c.ask("stable.vm.", Type.A, tcp);
                        if (!ip("172.16.0.2").equals(answer(s))) {
                          problems.add("stable changed: " + s);
                        }
                        Inet4Address f = answer(c.ask("flip.vm.", Type.A, tcp));
                        if (!flipValues.contains(f)) {
                          problems.add("flip was " + f);
                        }
                        int rc = c.ask("tmp2.vm.", Type.A, tcp).getRcode();
                        if (rc != Rcode.NOERROR && rc != Rcode.NXDOMAIN) {
                          problems.add("tmp2 rcode " + Rcode.string(rc));
                        }
                        queries.addAndGet(3);
                      }
                    } catch (Throwable e) {
                      problems.add("reader: " + e);
                    } finally {
                      done.countDown();
                    }
                  }));
    }
    done.await();
    stop.set(true);
    writer.join();
    assertTrue(problems.isEmpty(), () -> String.join("\n", problems));
    assertEquals(4 * 150 * 3, queries.get());
    assertTrue(
        zone.version().serial() > 100,
        "the zone really changed meanwhile: serial " + zone.version().serial());
  }

  @Test
  void malformedUdpPacketsAreDroppedOrFormerrAndTheServerKeepsAnswering() throws Exception {
    zone.put("web", ip("172.16.0.5"));
    VmDnsServer server = VmDnsServer.start(zone, List.of(ANY_PORT));
    started.add(server);
    DnsClient c = new DnsClient(server.boundAddresses().getFirst());
    Duration shortWait = Duration.ofMillis(300);

    assertNull(
        c.udpRaw(HexFormat.of().parseHex("abcd0100"), shortWait), "truncated header: no answer");
    Message two = DnsClient.query("web.vm.", Type.A);
    two.addRecord(
        Record.newRecord(org.xbill.DNS.Name.fromString("x.vm."), Type.A, org.xbill.DNS.DClass.IN),
        Section.QUESTION);
    for (byte[] bad :
        List.of(
            two.toWire(),
            HexFormat.of().parseHex("abcd01000001000000000000c00c00010001"),
            HexFormat.of().parseHex("abcd01000001000000000000c00ec00c00010001"))) {
      Message r = new Message(c.udpRaw(bad, Duration.ofSeconds(3)));
      assertEquals(Rcode.FORMERR, r.getRcode());
      assertEquals((bad[0] & 0xff) << 8 | (bad[1] & 0xff), r.getHeader().getID());
    }
    Random random = new Random(7);
    for (int i = 0; i < 300; i++) {
      byte[] junk = new byte[1 + random.nextInt(600)];
      random.nextBytes(junk);
      try (DatagramSocket s = new DatagramSocket()) {
        s.send(new java.net.DatagramPacket(junk, junk.length, server.boundAddresses().getFirst()));
      }
    }
    // The junk may still fill the socket's receive buffer, where the kernel drops what does not
    // fit; a resolver retries then, and so does this one (the answer must still come).
    Message after = null;
    for (int attempt = 0; attempt < 4 && after == null; attempt++) {
      try {
        after = c.ask("web.vm.", Type.A, false);
      } catch (java.io.IOException timedOut) {
        // dropped by a full buffer: ask again
      }
    }
    assertNotNull(after, "no answer after junk in 4 tries");
    assertEquals(ip("172.16.0.5"), answer(after), "still answering after junk");
    assertTrue(server.counters().malformed() >= 3, server.counters().toString());
    assertTrue(server.counters().dropped() >= 1, server.counters().toString());
  }

  @Test
  void tcpAnswersPipelinedQueriesInOrderAndHangsUpOnGarbage() throws Exception {
    zone.put("a", ip("172.16.0.2"));
    zone.put("b", ip("172.16.0.3"));
    DnsClient c = start();
    try (var s = c.tcp(Duration.ofSeconds(3))) {
      Message qa = DnsClient.query("a.vm.", Type.A);
      Message qb = DnsClient.query("b.vm.", Type.A);
      DnsClient.writeFramed(s, qa.toWire());
      DnsClient.writeFramed(s, qb.toWire());
      Message ra = new Message(DnsClient.readFramed(s));
      Message rb = new Message(DnsClient.readFramed(s));
      assertEquals(qa.getHeader().getID(), ra.getHeader().getID());
      assertEquals(ip("172.16.0.2"), answer(ra));
      assertEquals(ip("172.16.0.3"), answer(rb));
      DnsClient.writeFramed(s, HexFormat.of().parseHex("abcd01000001000000000000c00c00010001"));
      assertEquals(
          Rcode.FORMERR, new Message(DnsClient.readFramed(s)).getRcode(), "pointer loop over TCP");
      DnsClient.writeFramed(s, new byte[5]);
      assertNull(DnsClient.readFramed(s), "a message shorter than a header ends the connection");
    }
    assertEquals(ip("172.16.0.2"), answer(c.ask("a.vm.", Type.A, true)), "still answering");
  }

  @Test
  void tcpConnectionsAreCappedAndIdleOrOldOnesAreClosed() throws Exception {
    zone.put("a", ip("172.16.0.2"));
    // Idle timeout 1.5 s: long enough that both slots are still held when the third client comes.
    DnsOptions options =
        DnsOptions.defaults().withTcpLimits(Duration.ofMillis(1500), Duration.ofSeconds(30), 2);
    VmDnsServer server = VmDnsServer.start(zone, List.of(ANY_PORT), options);
    started.add(server);
    DnsClient c = new DnsClient(server.boundAddresses().getFirst());
    try (var one = c.tcp(Duration.ofSeconds(6));
        var two = c.tcp(Duration.ofSeconds(6))) {
      DnsClient.writeFramed(one, DnsClient.query("a.vm.", Type.A).toWire());
      DnsClient.writeFramed(two, DnsClient.query("a.vm.", Type.A).toWire());
      assertNotNull(DnsClient.readFramed(one));
      assertNotNull(DnsClient.readFramed(two)); // both hold a slot now
      try (var third = c.tcp(Duration.ofSeconds(3))) {
        assertNull(DnsClient.readFramed(third), "a third connection is closed on accept");
      }
      assertEquals(1, server.counters().tcpRefused());
      long t0 = System.nanoTime();
      assertNull(DnsClient.readFramed(one), "an idle connection is closed");
      long waitedMillis = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(waitedMillis < 5000, "closed after " + waitedMillis + " ms");
      assertNull(DnsClient.readFramed(two));
    }
    assertTrue(server.counters().tcpTimedOut() >= 2, server.counters().toString());
    assertEquals(ip("172.16.0.2"), answer(c.ask("a.vm.", Type.A, true)), "slots are given back");
  }

  @Test
  void aTcpConnectionIsClosedAtItsLifetimeEvenWhenBusy() throws Exception {
    zone.put("a", ip("172.16.0.2"));
    DnsOptions options =
        DnsOptions.defaults().withTcpLimits(Duration.ofSeconds(5), Duration.ofMillis(600), 4);
    DnsClient c = start(options);
    long t0 = System.nanoTime();
    int answers = 0;
    try (var s = c.tcp(Duration.ofSeconds(3))) {
      while (true) {
        try {
          DnsClient.writeFramed(s, DnsClient.query("a.vm.", Type.A).toWire());
        } catch (IOException e) {
          break; // reset by the server
        }
        byte[] r;
        try {
          r = DnsClient.readFramed(s);
        } catch (IOException e) {
          break;
        }
        if (r == null) {
          break;
        }
        answers++;
        assertTrue(System.nanoTime() - t0 < 3_000_000_000L, "still open after 3 s");
        Thread.sleep(50);
      }
    }
    long lived = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(answers >= 3, answers + " answers");
    assertTrue(lived >= 550 && lived < 2500, "lived " + lived + " ms");
  }

  @Test
  void closeFreesThePortsAndEndsEveryThread() throws Exception {
    VmDnsServer server = VmDnsServer.start(zone, List.of(ANY_PORT));
    InetSocketAddress bound = server.boundAddresses().getFirst();
    assertNotEquals(0, bound.getPort());
    DnsClient c = new DnsClient(bound);
    zone.put("a", ip("172.16.0.2"));
    answer(c.ask("a.vm.", Type.A, false));
    var idle = c.tcp(Duration.ofSeconds(3)); // an open connection must not hold close() up
    server.close();
    server.close(); // idempotent
    assertTrue(server.threadsEnded(), "threads still running after close()");
    assertNull(DnsClient.readFramed(idle));
    idle.close();
    try (DatagramSocket udp = new DatagramSocket(bound);
        ServerSocket tcp = new ServerSocket()) {
      tcp.bind(bound);
    }
    VmDnsServer again = VmDnsServer.start(zone, List.of(bound)); // a restart on the same port
    started.add(again);
    assertEquals(bound, again.boundAddresses().getFirst());
    assertEquals(ip("172.16.0.2"), answer(c.ask("a.vm.", Type.A, true)));
  }

  @Test
  void aPortInUseFailsStartWithItsAddressAndLeavesNothingBound() throws Exception {
    InetSocketAddress free;
    try (DatagramSocket probe = new DatagramSocket(ANY_PORT)) {
      free = new InetSocketAddress("127.0.0.1", probe.getLocalPort());
    }
    try (DatagramSocket busy = new DatagramSocket(ANY_PORT)) {
      InetSocketAddress taken = new InetSocketAddress("127.0.0.1", busy.getLocalPort());
      BindException e =
          assertThrows(BindException.class, () -> VmDnsServer.start(zone, List.of(free, taken)));
      assertTrue(
          e.getMessage().startsWith("DNS cannot listen on UDP 127.0.0.1:" + taken.getPort()),
          e.getMessage());
    }
    try (DatagramSocket udp = new DatagramSocket(free);
        ServerSocket tcp = new ServerSocket()) {
      tcp.bind(free); // the first address was let go again
    }
  }

  @Test
  void listensOnSeveralAddresses() throws Exception {
    zone.put("a", ip("172.16.0.2"));
    VmDnsServer server =
        VmDnsServer.start(
            zone, List.of(ANY_PORT, new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0)));
    started.add(server);
    assertEquals(2, server.boundAddresses().size());
    for (InetSocketAddress a : server.boundAddresses()) {
      assertEquals(ip("172.16.0.2"), answer(new DnsClient(a).ask("a.vm.", Type.A, false)));
      assertEquals(ip("172.16.0.2"), answer(new DnsClient(a).ask("a.vm.", Type.A, true)));
    }
  }

  @Test
  void badListenListsAreRefused() {
    assertEquals(
        "DNS needs at least one address to listen on",
        assertThrows(IllegalArgumentException.class, () -> VmDnsServer.start(zone, List.of()))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> VmDnsServer.start(zone, List.of(InetSocketAddress.createUnresolved("vm-host", 53))));
    InetSocketAddress fixed = new InetSocketAddress("127.0.0.1", 5353);
    assertThrows(
        IllegalArgumentException.class, () -> VmDnsServer.start(zone, List.of(fixed, fixed)));
  }
}
