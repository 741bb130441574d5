package dev.banger.net.dns;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the server did with the packets and connections it got, since it started.
 *
 * <p>Why: malformed or hostile traffic is dropped or answered FORMERR silently (logging each packet
 * would let anyone flood the log), so these counts are how an operator, or a test, sees that it
 * happened. LongAdder, because every loop thread bumps them on every packet.
 */
public final class DnsCounters {

  private final LongAdder answered = new LongAdder();
  private final LongAdder malformed = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder truncated = new LongAdder();
  private final LongAdder tcpRefused = new LongAdder();
  private final LongAdder tcpTimedOut = new LongAdder();

  /** Responses sent, whatever their rcode (FORMERR ones included). */
  public long answered() {
    return answered.sum();
  }

  /** Queries that could not be parsed, or broke a rule (two questions, two OPT records). */
  public long malformed() {
    return malformed.sum();
  }

  /** Packets not answered at all: shorter than a header, or responses (QR set). */
  public long dropped() {
    return dropped.sum();
  }

  /** UDP responses sent with TC set because they did not fit the client's size. */
  public long truncated() {
    return truncated.sum();
  }

  /** TCP connections closed on accept because {@link DnsOptions#maxTcpConnections()} were open. */
  public long tcpRefused() {
    return tcpRefused.sum();
  }

  /** TCP connections closed for idling or outliving {@link DnsOptions#tcpLifetime()}. */
  public long tcpTimedOut() {
    return tcpTimedOut.sum();
  }

  @Override
  public String toString() {
    return "answered="
        + answered()
        + " malformed="
        + malformed()
        + " dropped="
        + dropped()
        + " truncated="
        + truncated()
        + " tcpRefused="
        + tcpRefused()
        + " tcpTimedOut="
        + tcpTimedOut();
  }

  void countAnswered() {
    answered.increment();
  }

  void countMalformed() {
    malformed.increment();
  }

  void countDropped() {
    dropped.increment();
  }

  void countTruncated() {
    truncated.increment();
  }

  void countTcpRefused() {
    tcpRefused.increment();
  }

  void countTcpTimedOut() {
    tcpTimedOut.increment();
  }
}
