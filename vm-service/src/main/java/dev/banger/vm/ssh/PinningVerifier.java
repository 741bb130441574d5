package dev.banger.vm.ssh;

import java.net.SocketAddress;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.AttributeRepository.AttributeKey;

/**
 * MINA's hook into {@link KnownHosts}. The names to pin under travel with each connection as its
 * connection context ({@link Target}), set before the socket opens, so they are there when the key
 * exchange asks (MINA starts it before {@code connect} returns the session).
 *
 * <p>MINA only takes yes or no from a verifier and turns no into "server key did not validate"; the
 * real reason (a {@link HostKeyMismatchException}, or an I/O error writing the pin) is kept in the
 * target for {@link GuestSsh} to throw instead.
 */
final class PinningVerifier implements ServerKeyVerifier {

  /** Where one connection's key must be pinned, and why it was refused. */
  static final class Target {
    static final AttributeKey<Target> KEY = new AttributeKey<>();

    final String ip;
    final int port;
    final List<String> aliases;
    final AtomicReference<Exception> refusal = new AtomicReference<>();

    Target(String ip, int port, List<String> aliases) {
      this.ip = ip;
      this.port = port;
      this.aliases = aliases;
    }

    AttributeRepository asContext() {
      return AttributeRepository.ofKeyValuePair(KEY, this);
    }
  }

  private final KnownHosts knownHosts;

  PinningVerifier(KnownHosts knownHosts) {
    this.knownHosts = knownHosts;
  }

  @Override
  public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
    AttributeRepository ctx = session.getConnectionContext();
    Target t = ctx == null ? null : ctx.getAttribute(Target.KEY);
    if (t == null) {
      // Only GuestSsh connects with this client, always with a target; refuse anything else.
      return false;
    }
    try {
      knownHosts.verifyOrPin(t.ip, t.port, t.aliases, key);
      return true;
    } catch (Exception e) {
      t.refusal.compareAndSet(null, e);
      return false;
    }
  }
}
