package dev.banger.net.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;

/** Test-side client: dnsjava's SimpleResolver for well-formed queries, raw sockets for the rest. */
final class DnsClient {

  private final InetSocketAddress server;

  DnsClient(InetSocketAddress server) {
    this.server = server;
  }

  /** Asks {@code name}/{@code type} with dnsjava's resolver (RD set, EDNS as it sends it). */
  Message ask(String name, int type, boolean tcp) throws IOException {
    return send(query(name, type), tcp);
  }

  Message send(Message query, boolean tcp) throws IOException {
    SimpleResolver r = new SimpleResolver(server);
    r.setTCP(tcp);
    r.setIgnoreTruncation(true);
    r.setTimeout(Duration.ofSeconds(5));
    return r.send(query);
  }

  static Message query(String name, int type) throws IOException {
    return Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
  }

  /** Sends raw bytes over UDP; the answer's bytes, or null if none came within {@code wait}. */
  byte[] udpRaw(byte[] packet, Duration wait) throws IOException {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      s.setSoTimeout((int) wait.toMillis());
      s.send(new DatagramPacket(packet, packet.length, server));
      byte[] buf = new byte[65_535];
      DatagramPacket in = new DatagramPacket(buf, buf.length);
      try {
        s.receive(in);
      } catch (SocketTimeoutException e) {
        return null;
      }
      return Arrays.copyOf(buf, in.getLength());
    }
  }

  /** Opens a TCP connection with a read timeout, for framing tests. */
  Socket tcp(Duration readTimeout) throws IOException {
    Socket s = new Socket();
    s.connect(server, 2000);
    s.setSoTimeout((int) readTimeout.toMillis());
    return s;
  }

  /** Writes {@code message} with its two-byte length. */
  static void writeFramed(Socket s, byte[] message) throws IOException {
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    out.writeShort(message.length);
    out.write(message);
    out.flush();
  }

  /** Reads one framed message, or null at end of stream. */
  static byte[] readFramed(Socket s) throws IOException {
    DataInputStream in = new DataInputStream(s.getInputStream());
    int first = in.read();
    if (first < 0) {
      return null;
    }
    int length = first << 8 | in.readUnsignedByte();
    byte[] m = new byte[length];
    in.readFully(m);
    return m;
  }
}
