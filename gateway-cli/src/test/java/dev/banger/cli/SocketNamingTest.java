package dev.banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A connection failure names the service, its socket and the reason; a service's own status is
 * kept.
 */
class SocketNamingTest {

  final SocketNaming vm = new SocketNaming("vm-service", Path.of("/run/banger/vm.sock"));

  static Status unavailable(String cause) {
    return Status.UNAVAILABLE
        .withDescription("io exception")
        .withCause(new IOException("wrapped", new IOException("connect(..) failed: " + cause)));
  }

  @Test
  void permissionDeniedSaysWhoWasRefused() {
    String d = vm.named(unavailable("Permission denied")).getDescription();
    assertTrue(
        d.startsWith(
            "vm-service's socket /run/banger/vm.sock refused the connection: permission denied"
                + " (you are uid "),
        d);
    assertTrue(
        CliErrors.of(vm.named(unavailable("Permission denied")).asRuntimeException())
            .getMessage()
            .endsWith("must include you)"),
        "no 'is bangerd running?' hint for a refusal");
  }

  @Test
  void nothingListeningSaysTheServiceIsNotRunning() {
    Status s = vm.named(unavailable("No such file or directory"));
    assertEquals(
        "vm-service is not running (nothing listens on /run/banger/vm.sock)", s.getDescription());
    assertEquals(
        "vm-service is not running (nothing listens on /run/banger/vm.sock) — is bangerd running? see"
            + " 'banger status'",
        CliErrors.of(s.asRuntimeException()).getMessage());
    assertEquals(
        "vm-service is not running (nothing listens on /run/banger/vm.sock)",
        vm.named(unavailable("Connection refused")).getDescription());
  }

  @Test
  void aStatusTheServiceSentIsItsOwnWords() {
    Status fromService =
        Status.UNAVAILABLE.withDescription("disk-service did not answer: connection refused");
    assertSame(fromService, vm.named(fromService), "no cause: the service answered");
    Status notFound = Status.NOT_FOUND.withDescription("vm \"x\" not found");
    assertSame(notFound, vm.named(notFound));
  }
}
