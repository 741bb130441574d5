package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransportPolicyTest {

  @Test
  void loopbackUsesHttpEverythingElseHttps() {
    TransportPolicy p = TransportPolicy.secure();
    assertEquals(URI.create("http://127.0.0.1:5000"), p.registryBase("127.0.0.1:5000"));
    assertEquals(URI.create("http://localhost:5000"), p.registryBase("localhost:5000"));
    assertEquals(URI.create("http://[::1]:5000"), p.registryBase("[::1]:5000"));
    assertEquals(
        URI.create("https://registry-1.docker.io"), p.registryBase("registry-1.docker.io"));
    assertEquals(
        URI.create("https://example.invalid:5000"), p.registryBase("example.invalid:5000"));
  }

  @Test
  void plainHttpToAnotherHostIsRefusedUnlessListed() {
    RegistryException e =
        assertThrows(
            RegistryException.class,
            () -> TransportPolicy.secure().check(URI.create("http://example.invalid:5000/v2/")));
    assertEquals(RegistryException.Kind.UNSUPPORTED, e.kind());
    assertEquals(
        "refusing plain http to example.invalid:5000: http is only used for loopback registries and hosts"
            + " listed as insecure registries",
        e.getMessage());
    TransportPolicy listed =
        TransportPolicy.withInsecureRegistries(Set.of("example.invalid:5000", "other.invalid"));
    assertEquals(
        URI.create("http://example.invalid:5000"), listed.registryBase("example.invalid:5000"));
    assertDoesNotThrow(() -> listed.check(URI.create("http://example.invalid:5000/v2/")));
    assertDoesNotThrow(() -> listed.check(URI.create("http://other.invalid:81/v2/")));
    assertThrows(
        RegistryException.class, () -> listed.check(URI.create("http://example.invalid:5001/v2/")));
  }

  @Test
  void onlyHttpAndHttpsWithAHost() {
    TransportPolicy p = TransportPolicy.secure();
    for (String bad :
        new String[] {
          "file:///etc/passwd", "ftp://127.0.0.1/x", "jar:file:/x!/y", "https:/nohost"
        }) {
      assertEquals(
          RegistryException.Kind.UNSUPPORTED,
          assertThrows(RegistryException.class, () -> p.check(URI.create(bad)), bad).kind());
    }
    assertDoesNotThrow(() -> p.check(URI.create("https://example.invalid/token")));
    assertDoesNotThrow(() -> p.check(URI.create("http://127.0.0.1:1/x")));
    assertDoesNotThrow(() -> p.check(URI.create("http://[::1]:1/x")));
  }
}
