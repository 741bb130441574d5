package dev.banger.image.oci;

import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which URLs the client may contact. Registries are spoken to over https, except loopback
 * registries ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}, any port) and hosts the operator
 * listed as insecure, which use plain http.
 *
 * <p>Every URL a registry hands us (token realm, redirect target) is checked here before any
 * connection is made, so a registry cannot downgrade us to plain http on another host.
 */
public final class TransportPolicy {

  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  private final Set<String> insecure;

  private TransportPolicy(Set<String> insecure) {
    this.insecure =
        insecure.stream()
            .map(h -> h.trim().toLowerCase(Locale.ROOT))
            .collect(Collectors.toUnmodifiableSet());
  }

  /** https everywhere but loopback. */
  public static TransportPolicy secure() {
    return new TransportPolicy(Set.of());
  }

  /**
   * Also allows plain http to these registries: {@code host:port} for one port, {@code host} for
   * any port.
   */
  public static TransportPolicy withInsecureRegistries(Set<String> hosts) {
    return new TransportPolicy(hosts);
  }

  /** The base URL of a registry's API: {@code http://127.0.0.1:5000} or {@code https://ghcr.io}. */
  public URI registryBase(String registry) {
    String hostPort = registry.toLowerCase(Locale.ROOT);
    return URI.create((plainHttpAllowed(hostPort) ? "http://" : "https://") + hostPort);
  }

  /**
   * Refuses a URL we must not contact: anything but http(s), and http to a host that is neither
   * loopback nor listed as insecure.
   */
  public void check(URI uri) throws RegistryException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
      throw new RegistryException(
          RegistryException.Kind.UNSUPPORTED,
          "refusing to contact "
              + Texts.quote(uri.toString())
              + ": only http(s) URLs with a host are followed");
    }
    if (scheme.equals("http")) {
      String hostPort = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
      if (!plainHttpAllowed(hostPort.toLowerCase(Locale.ROOT))) {
        throw new RegistryException(
            RegistryException.Kind.UNSUPPORTED,
            "refusing plain http to "
                + hostPort
                + ": http is only used for loopback registries and hosts listed as insecure registries");
      }
    }
  }

  private boolean plainHttpAllowed(String hostPort) {
    String host = hostOnly(hostPort);
    return LOOPBACK.contains(host) || insecure.contains(hostPort) || insecure.contains(host);
  }

  /** {@code host:port} → host; keeps the brackets of {@code [::1]:5000}. */
  static String hostOnly(String hostPort) {
    if (hostPort.startsWith("[")) {
      int close = hostPort.indexOf(']');
      return close < 0 ? hostPort : hostPort.substring(0, close + 1);
    }
    int colon = hostPort.indexOf(':');
    return colon < 0 ? hostPort : hostPort.substring(0, colon);
  }
}
