package dev.banger.cli.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.cli.CliHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ProxyCommand's side that needs no guest: which VM a host name means, and its refusals. */
class VmSshProxyTest {

  @TempDir Path dir;

  @Test
  void aHostNameMeansTheVmBeforeDotVm() {
    assertEquals("dev", VmSshProxyCommand.vmOf("dev.vm"));
    assertEquals("dev", VmSshProxyCommand.vmOf("DEV.VM"));
    assertEquals("dev", VmSshProxyCommand.vmOf("dev.vm."));
    assertEquals("dev", VmSshProxyCommand.vmOf("dev"));
    assertEquals("a.b", VmSshProxyCommand.vmOf("a.b.vm"));
  }

  @Test
  void aBadPortAndAVmThatIsNotRunningAreRefusedByName() {
    CliHarness.Result port = CliHarness.run(dir, "vm", "ssh-proxy", "dev.vm", "70000");
    assertEquals(1, port.code());
    assertEquals("banger: port must be 1..65535, got 70000\n", port.err());
    CliHarness.Result missing = CliHarness.run(dir, "vm", "ssh-proxy", "ghost.vm", "22");
    assertTrue(missing.code() != 0);
    assertTrue(missing.err().startsWith("banger: "), missing.err());
  }
}
