package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.UnresolvedAddressException;
import org.junit.jupiter.api.Test;

/**
 * What a network failure is called in a pull's error. Built from the exceptions the JDK's client
 * throws, not by resolving a name: a test sends no DNS query off this host.
 */
class RegistryHttpDescribeTest {

  @Test
  void aNameThatDoesNotResolveIsSaidInWords() {
    ConnectException e = new ConnectException();
    e.initCause(new UnresolvedAddressException());
    assertEquals("the host name does not resolve", RegistryHttp.describe(e));
    assertEquals(
        "the host name does not resolve",
        RegistryHttp.describe(new IOException(new java.net.UnknownHostException("reg.example"))));
  }

  @Test
  void aBareConnectExceptionAndAMessageAreNamed() {
    assertEquals(
        "the connection failed (nothing listens there, or no route)",
        RegistryHttp.describe(new ConnectException()));
    assertEquals(
        "ConnectException: Connection refused",
        RegistryHttp.describe(new ConnectException("Connection refused")));
  }
}
