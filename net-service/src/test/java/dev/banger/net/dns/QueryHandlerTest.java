package dev.banger.net.dns;

import static dev.banger.net.dns.VmZoneTest.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The wire rules and zone semantics without sockets; {@link VmDnsServerTest} repeats the key ones
 * over UDP and TCP.
 */
class QueryHandlerTest {

  private final VmZone zone = new VmZone();
  private final DnsCounters counters = new DnsCounters();
  private QueryHandler handler;

  @BeforeEach
  void zone() throws Exception {
    zone.put("web", ip("172.16.0.5"));
    handler = new QueryHandler(zone, DnsOptions.defaults(), counters);
  }

  private Message ask(Message query) throws Exception {
    byte[] wire = query.toWire();
    byte[] out = handler.respond(wire, wire.length, true);
    assertNotNull(out, "no answer");
    Message r = new Message(out);
    assertEquals(query.getHeader().getID(), r.getHeader().getID());
    assertTrue(r.getHeader().getFlag(Flags.QR));
    assertFalse(r.getHeader().getFlag(Flags.RA), "this server never offers recursion");
    return r;
  }

  private Message ask(String name, int type) throws Exception {
    return ask(DnsClient.query(name, type));
  }

  private static void assertNegativeWithSoa(Message r, int rcode, long serial) {
    assertEquals(rcode, r.getRcode(), Rcode.string(r.getRcode()));
    assertTrue(r.getHeader().getFlag(Flags.AA));
    assertEquals(List.of(), r.getSection(Section.ANSWER));
    List<Record> auth = r.getSection(Section.AUTHORITY);
    assertEquals(1, auth.size());
    SOARecord soa = (SOARecord) auth.getFirst();
    assertEquals("vm.", soa.getName().toString());
    assertEquals(serial, soa.getSerial());
    assertEquals(5, soa.getMinimum());
    assertEquals(5, soa.getTTL());
  }

  @Test
  void anExistingNameAnswersItsAddressAuthoritativelyWithTheQuestionAsAsked() throws Exception {
    Message r = ask("WeB.Vm.", Type.A);
    assertEquals(Rcode.NOERROR, r.getRcode());
    assertTrue(r.getHeader().getFlag(Flags.AA));
    assertTrue(r.getHeader().getFlag(Flags.RD), "RD is copied from the query");
    assertEquals("WeB.Vm.", r.getQuestion().getName().toString(), "question echoed with its case");
    ARecord a = (ARecord) r.getSection(Section.ANSWER).getFirst();
    assertEquals(ip("172.16.0.5"), a.getAddress());
    assertEquals(5, a.getTTL());
    assertEquals(1, r.getSection(Section.ANSWER).size());
  }

  @Test
  void otherTypesOfAnExistingNameAreNodataWithTheSoa() throws Exception {
    for (int type : new int[] {Type.AAAA, Type.MX, Type.TXT, Type.SOA}) {
      Message r = ask("web.vm.", type);
      assertNegativeWithSoa(r, Rcode.NOERROR, zone.version().serial());
    }
    assertEquals(
        1, ask("web.vm.", Type.ANY).getSection(Section.ANSWER).size(), "ANY gives the A record");
  }

  @Test
  void unknownAndDeeperNamesAreNxdomainWithTheSoa() throws Exception {
    // web.web.vm and web.x.vm: a deeper name whose first label is a VM still does not exist.
    for (String name :
        new String[] {
          "nope.vm.",
          "a.web.vm.",
          "web.web.vm.",
          "web.x.vm.",
          "x.y.z.vm.",
          "web_1.vm.",
          "-x.vm.",
          "we\\000b.vm."
        }) {
      assertNegativeWithSoa(ask(name, Type.A), Rcode.NXDOMAIN, zone.version().serial());
    }
  }

  @Test
  void theApexAnswersSoaAndNsAndNodataOtherwise() throws Exception {
    Message soa = ask("vm.", Type.SOA);
    assertEquals(Rcode.NOERROR, soa.getRcode());
    SOARecord s = (SOARecord) soa.getSection(Section.ANSWER).getFirst();
    assertEquals(zone.version().serial(), s.getSerial());
    assertEquals("hostmaster.vm.", s.getAdmin().toString());
    Message ns = ask("VM.", Type.NS);
    // Name.equals ignores case: compression may point the target at the question's "VM.".
    assertEquals(
        Name.fromString("vm."), ((NSRecord) ns.getSection(Section.ANSWER).getFirst()).getTarget());
    assertEquals(2, ask("vm.", Type.ANY).getSection(Section.ANSWER).size());
    assertNegativeWithSoa(ask("vm.", Type.A), Rcode.NOERROR, zone.version().serial());
  }

  @Test
  void namesOutsideTheZoneOtherClassesAndTransfersAreRefused() throws Exception {
    Message chaos =
        Message.newQuery(Record.newRecord(Name.fromString("version.bind."), Type.TXT, DClass.CH));
    Message chaosInZone =
        Message.newQuery(Record.newRecord(Name.fromString("web.vm."), Type.A, DClass.CH));
    for (Message q :
        List.of(
            DnsClient.query("example.com.", Type.A),
            DnsClient.query("vm.example.com.", Type.A),
            DnsClient.query(".", Type.NS),
            DnsClient.query("vmx.", Type.A),
            DnsClient.query("vm.", Type.AXFR),
            DnsClient.query("vm.", Type.IXFR),
            chaos,
            chaosInZone)) {
      Message r = ask(q);
      assertEquals(Rcode.REFUSED, r.getRcode(), q.getQuestion().toString());
      assertFalse(r.getHeader().getFlag(Flags.AA));
      assertEquals(0, r.getSection(Section.ANSWER).size() + r.getSection(Section.AUTHORITY).size());
      assertEquals(q.getQuestion(), r.getQuestion());
    }
  }

  @Test
  void otherOpcodesAreNotImplemented() throws Exception {
    Message notify = DnsClient.query("vm.", Type.SOA);
    notify.getHeader().setOpcode(Opcode.NOTIFY);
    Message r = ask(notify);
    assertEquals(Rcode.NOTIMP, r.getRcode());
    assertEquals(Opcode.NOTIFY, r.getHeader().getOpcode());
  }

  @Test
  void ednsIsAnsweredInKindAndUnknownVersionsGetBadvers() throws Exception {
    assertNull(ask("web.vm.", Type.A).getOPT(), "no OPT asked, none given");
    Message withOpt = DnsClient.query("web.vm.", Type.A);
    withOpt.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    OPTRecord opt = ask(withOpt).getOPT();
    assertEquals(DnsOptions.EDNS_PAYLOAD, opt.getPayloadSize());
    assertEquals(0, opt.getVersion());
    Message v1 = DnsClient.query("web.vm.", Type.A);
    v1.addRecord(new OPTRecord(4096, 0, 1), Section.ADDITIONAL);
    Message r = ask(v1);
    assertEquals(Rcode.BADVERS, r.getRcode());
    assertEquals(0, r.getSection(Section.ANSWER).size());
    assertEquals(0, r.getOPT().getVersion());
  }

  @Test
  void theUdpLimitIs512WithoutEdnsAndTheClientsSizeWithinOurs() {
    assertEquals(512, QueryHandler.udpLimit(null));
    assertEquals(512, QueryHandler.udpLimit(new OPTRecord(100, 0, 0)));
    assertEquals(900, QueryHandler.udpLimit(new OPTRecord(900, 0, 0)));
    assertEquals(1232, QueryHandler.udpLimit(new OPTRecord(65_000, 0, 0)));
  }

  @Test
  void anAnswerTooLongForTheClientIsSentAsHeaderAndQuestionWithTc() throws Exception {
    // No answer of this zone reaches 512 bytes today (one A record per name), so the limit is
    // driven with a made-up large answer through the same encoder the UDP loop uses.
    Name name = Name.fromString("web.vm.");
    Message big = new Message(4242);
    big.getHeader().setFlag(Flags.QR);
    big.getHeader().setFlag(Flags.AA);
    big.addRecord(Record.newRecord(name, Type.A, DClass.IN), Section.QUESTION);
    for (int i = 0; i < 100; i++) {
      big.addRecord(new ARecord(name, DClass.IN, 5, ip("10.0." + i + ".1")), Section.ANSWER);
    }
    big.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    assertTrue(big.toWire().length > 1232);
    byte[] wire = handler.encode(big, 512);
    assertTrue(wire.length <= 512, wire.length + " bytes");
    Message t = new Message(wire);
    assertTrue(t.getHeader().getFlag(Flags.TC));
    assertTrue(t.getHeader().getFlag(Flags.AA));
    assertEquals(4242, t.getHeader().getID());
    assertEquals(name, t.getQuestion().getName());
    assertEquals(0, t.getSection(Section.ANSWER).size());
    assertNotNull(t.getOPT(), "OPT stays in a truncated answer (RFC 6891)");
    assertEquals(1, counters.truncated());
    assertArrayEquals(
        big.toWire(), handler.encode(big, QueryHandler.TCP_LIMIT), "TCP is not truncated");
  }

  @Test
  void shortPacketsAndResponsesAreDropped() throws Exception {
    assertNull(handler.respond(new byte[5], 5, true));
    assertNull(handler.respond(new byte[0], 0, true));
    byte[] response = ask("web.vm.", Type.A).toWire();
    assertNull(handler.respond(response, response.length, true), "never answer a response");
    assertEquals(3, counters.dropped());
  }

  @Test
  void malformedQueriesGetFormerrWithTheirId() throws Exception {
    Message two = DnsClient.query("web.vm.", Type.A);
    two.addRecord(
        Record.newRecord(Name.fromString("nope.vm."), Type.A, DClass.IN), Section.QUESTION);
    Message none = new Message(7);
    Message twoOpts = DnsClient.query("web.vm.", Type.A);
    twoOpts.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
    twoOpts.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    List<byte[]> bad =
        List.of(
            two.toWire(),
            none.toWire(),
            twoOpts.toWire(),
            HexFormat.of()
                .parseHex("abcd0100000100000000000003776562"), // question cut off mid-name
            HexFormat.of()
                .parseHex("abcd01000001000000000000c00c00010001"), // name pointing at itself
            HexFormat.of()
                .parseHex("abcd01000001000000000000c00ec00c00010001"), // two pointers in a loop
            HexFormat.of()
                .parseHex("abcd0100000100000000000003776562c0ff00010001")); // pointer past the end
    for (byte[] q : bad) {
      byte[] out = handler.respond(q, q.length, true);
      assertNotNull(out, HexFormat.of().formatHex(q));
      Message r = new Message(out);
      assertEquals(Rcode.FORMERR, r.getRcode(), HexFormat.of().formatHex(q));
      assertEquals((q[0] & 0xff) << 8 | (q[1] & 0xff), r.getHeader().getID());
    }
    assertEquals(bad.size(), counters.malformed());
  }

  @Test
  void randomBytesNeverThrowAndEveryAnswerIsAWellFormedResponse() throws Exception {
    Random random = new Random(20261122);
    int answered = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] p = new byte[random.nextInt(80)];
      random.nextBytes(p);
      if (p.length > 2 && random.nextBoolean()) {
        p[2] &= 0x7f; // half with QR clear, so the parser is reached
      }
      byte[] out = handler.respond(p, p.length, true);
      if (out != null) {
        answered++;
        Message r = new Message(out);
        assertTrue(r.getHeader().getFlag(Flags.QR));
        assertEquals((p[0] & 0xff) << 8 | (p[1] & 0xff), r.getHeader().getID());
        assertTrue(out.length <= 512);
      }
    }
    assertTrue(answered > 1000, answered + " answered");
  }

  @Test
  void theZoneNameIsConfigurable() throws Exception {
    QueryHandler other =
        new QueryHandler(zone, DnsOptions.defaults().withZone("test.banger"), counters);
    byte[] q = DnsClient.query("web.test.banger.", Type.A).toWire();
    Message r = new Message(other.respond(q, q.length, true));
    assertEquals(
        ip("172.16.0.5"), ((ARecord) r.getSection(Section.ANSWER).getFirst()).getAddress());
    byte[] vm = DnsClient.query("web.vm.", Type.A).toWire();
    assertEquals(Rcode.REFUSED, new Message(other.respond(vm, vm.length, true)).getRcode());
  }
}
