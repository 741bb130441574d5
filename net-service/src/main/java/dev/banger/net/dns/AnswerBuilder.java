package dev.banger.net.dns;

import java.net.Inet4Address;
import java.util.Locale;
import java.util.Optional;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The authoritative answer to one well-formed question, from one version of the zone.
 *
 * <p>Why a class of its own: this is the DNS semantics (what is NXDOMAIN, NODATA, REFUSED, where
 * the SOA goes) and nothing else, so it is tested without sockets and the UDP and TCP loops cannot
 * answer differently. It never throws on a question: every name and type has an answer.
 *
 * <p>The zone has an apex (SOA and NS) and one level of names below it, the VMs; there are no
 * wildcards or delegations, so anything deeper ({@code a.b.vm}) does not exist.
 */
final class AnswerBuilder {

  private static final long SOA_REFRESH = 3600;
  private static final long SOA_RETRY = 600;
  private static final long SOA_EXPIRE = 86_400;

  private final Name origin;
  private final Name hostmaster;
  private final long ttl;

  AnswerBuilder(DnsOptions options) {
    this.origin = Name.fromConstantString(options.zone() + ".");
    this.hostmaster = Name.fromConstantString("hostmaster." + options.zone() + ".");
    this.ttl = options.ttl().toSeconds();
  }

  Name origin() {
    return origin;
  }

  /**
   * The response to {@code question} (echoed as asked, case included), with the id and the RD and
   * CD flags of the query. RA is never set: this server does not recurse.
   */
  Message answer(int id, boolean rd, boolean cd, Record question, VmZone.Version zone) {
    Message r = new Message(id);
    r.getHeader().setFlag(Flags.QR);
    if (rd) {
      r.getHeader().setFlag(Flags.RD);
    }
    if (cd) {
      r.getHeader().setFlag(Flags.CD);
    }
    r.addRecord(question, Section.QUESTION);
    Name qname = question.getName();
    int qtype = question.getType();
    if (!qname.subdomain(origin)
        || question.getDClass() != DClass.IN
        || qtype == Type.AXFR
        || qtype == Type.IXFR) {
      // Not ours (or a zone transfer, which we don't offer): no recursion, no referral.
      r.getHeader().setRcode(Rcode.REFUSED);
      return r;
    }
    r.getHeader().setFlag(Flags.AA);
    int depth = qname.labels() - origin.labels();
    if (depth == 0) {
      apex(r, qtype, zone);
    } else if (depth == 1) {
      vm(r, qname, qtype, zone);
    } else {
      nxdomain(r, zone);
    }
    return r;
  }

  private void apex(Message r, int qtype, VmZone.Version zone) {
    boolean any = qtype == Type.ANY;
    if (qtype == Type.SOA || any) {
      r.addRecord(soa(zone), Section.ANSWER);
    }
    if (qtype == Type.NS || any) {
      r.addRecord(new NSRecord(origin, DClass.IN, ttl, origin), Section.ANSWER);
    }
    if (r.getSection(Section.ANSWER).isEmpty()) {
      r.addRecord(soa(zone), Section.AUTHORITY); // NODATA
    }
  }

  private void vm(Message r, Name qname, int qtype, VmZone.Version zone) {
    // getLabelString escapes odd bytes (\000, \.), which the name rule then never matches.
    String label = qname.getLabelString(0).toLowerCase(Locale.ROOT);
    Optional<Inet4Address> address =
        VmZone.NAME.matcher(label).matches() ? zone.lookup(label) : Optional.empty();
    if (address.isEmpty()) {
      nxdomain(r, zone);
    } else if (qtype == Type.A || qtype == Type.ANY) {
      r.addRecord(new ARecord(qname, DClass.IN, ttl, address.get()), Section.ANSWER);
    } else {
      r.addRecord(soa(zone), Section.AUTHORITY); // NODATA: the name exists, not with this type
    }
  }

  private void nxdomain(Message r, VmZone.Version zone) {
    r.getHeader().setRcode(Rcode.NXDOMAIN);
    r.addRecord(soa(zone), Section.AUTHORITY);
  }

  private SOARecord soa(VmZone.Version zone) {
    // Minimum = TTL: negative answers are cached no longer than positive ones (RFC 2308).
    return new SOARecord(
        origin,
        DClass.IN,
        ttl,
        origin,
        hostmaster,
        zone.serial(),
        SOA_REFRESH,
        SOA_RETRY,
        SOA_EXPIRE,
        ttl);
  }
}
