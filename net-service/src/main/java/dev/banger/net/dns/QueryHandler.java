package dev.banger.net.dns;

import dev.banger.kit.text.Printable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * Bytes in, bytes out (or nothing): the wire rules around {@link AnswerBuilder}.
 *
 * <p>Why apart from the builder: everything a hostile packet can reach is here (parsing, header
 * checks, EDNS, the UDP size limit), and both transports call this one method, so the rules are
 * tested once. It never throws: a packet it cannot understand is answered FORMERR when it has a
 * query's header, and dropped when it has not (shorter than a header) or when it is itself a
 * response (answering responses would let two servers bounce packets forever).
 */
final class QueryHandler {

  private static final Logger log = LoggerFactory.getLogger(QueryHandler.class);

  /**
   * The UDP size every client accepts (RFC 1035), and the least an EDNS client may claim (RFC
   * 6891).
   */
  static final int CLASSIC_UDP_LIMIT = 512;

  /** TCP's framing carries up to 65535 bytes; nothing this server says comes near. */
  static final int TCP_LIMIT = 65_535;

  private final VmZone zone;
  private final AnswerBuilder builder;
  private final DnsCounters counters;

  QueryHandler(VmZone zone, DnsOptions options, DnsCounters counters) {
    this.zone = zone;
    this.builder = new AnswerBuilder(options);
    this.counters = counters;
  }

  /** The response to the first {@code length} bytes of {@code packet}, or null to send nothing. */
  byte[] respond(byte[] packet, int length, boolean udp) {
    if (length < Header.LENGTH || (packet[2] & 0x80) != 0) {
      counters.countDropped();
      return null;
    }
    Message query;
    try {
      query = new Message(ByteBuffer.wrap(packet, 0, length));
    } catch (IOException | RuntimeException e) {
      // dnsjava throws WireParseException for truncation and pointer loops; anything else it
      // throws on garbage is caught too, so no packet can end a loop thread.
      log.debug("unparsable DNS query: {}", Printable.bare(String.valueOf(e.getMessage()), 200));
      return malformed(packet);
    }
    Header h = query.getHeader();
    if (h.getOpcode() != Opcode.QUERY) {
      return sent(headerOnly(h.getID(), h.getOpcode(), h.getFlag(Flags.RD), Rcode.NOTIMP).toWire());
    }
    List<Record> opts =
        query.getSection(Section.ADDITIONAL).stream().filter(OPTRecord.class::isInstance).toList();
    if (h.getCount(Section.QUESTION) != 1 || opts.size() > 1) {
      return malformed(packet);
    }
    OPTRecord opt = opts.isEmpty() ? null : (OPTRecord) opts.getFirst();
    Record question = query.getQuestion();
    if (opt != null && opt.getVersion() != 0) {
      // RFC 6891 6.1.3: we speak EDNS version 0 only; BADVERS (16) is 1 in OPT's upper bits.
      Message r = headerOnly(h.getID(), Opcode.QUERY, h.getFlag(Flags.RD), Rcode.NOERROR);
      r.addRecord(question, Section.QUESTION);
      r.addRecord(
          new OPTRecord(DnsOptions.EDNS_PAYLOAD, Rcode.BADVERS >>> 4, 0, 0), Section.ADDITIONAL);
      return sent(r.toWire());
    }
    Message r =
        builder.answer(
            h.getID(), h.getFlag(Flags.RD), h.getFlag(Flags.CD), question, zone.version());
    if (opt != null) {
      r.addRecord(new OPTRecord(DnsOptions.EDNS_PAYLOAD, 0, 0, 0), Section.ADDITIONAL);
    }
    return sent(encode(r, udp ? udpLimit(opt) : TCP_LIMIT));
  }

  /**
   * How big a UDP answer may be: 512 without EDNS; the client's size within 512..our payload with
   * it.
   */
  static int udpLimit(OPTRecord opt) {
    return opt == null
        ? CLASSIC_UDP_LIMIT
        : Math.clamp(opt.getPayloadSize(), CLASSIC_UDP_LIMIT, DnsOptions.EDNS_PAYLOAD);
  }

  /**
   * {@code r} on the wire, or, if longer than {@code limit}, its header and question (and OPT) with
   * TC set and no records: the client then asks again over TCP (RFC 7766). Dropping all records
   * rather than some keeps the client from trusting a partial RRset.
   */
  byte[] encode(Message r, int limit) {
    byte[] wire = r.toWire();
    if (wire.length <= limit) {
      return wire;
    }
    Header h = r.getHeader();
    Message t = headerOnly(h.getID(), h.getOpcode(), h.getFlag(Flags.RD), h.getRcode());
    for (int flag : new int[] {Flags.AA, Flags.CD}) {
      if (h.getFlag(flag)) {
        t.getHeader().setFlag(flag);
      }
    }
    t.getHeader().setFlag(Flags.TC);
    r.getSection(Section.QUESTION).forEach(q -> t.addRecord(q, Section.QUESTION));
    if (r.getOPT() != null) {
      t.addRecord(r.getOPT(), Section.ADDITIONAL);
    }
    counters.countTruncated();
    return t.toWire();
  }

  private byte[] malformed(byte[] packet) {
    counters.countMalformed();
    int id = (packet[0] & 0xff) << 8 | (packet[1] & 0xff);
    int opcode = (packet[2] >>> 3) & 0xf;
    return sent(headerOnly(id, opcode, (packet[2] & 1) != 0, Rcode.FORMERR).toWire());
  }

  private byte[] sent(byte[] wire) {
    counters.countAnswered();
    return wire;
  }

  private static Message headerOnly(int id, int opcode, boolean rd, int rcode) {
    Message r = new Message(id);
    r.getHeader().setFlag(Flags.QR);
    r.getHeader().setOpcode(opcode);
    if (rd) {
      r.getHeader().setFlag(Flags.RD);
    }
    r.getHeader().setRcode(rcode);
    return r;
  }
}
