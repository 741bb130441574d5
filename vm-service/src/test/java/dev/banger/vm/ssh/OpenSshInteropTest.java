package dev.banger.vm.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI will exec the system OpenSSH client with banger's key and known_hosts: prove OpenSSH
 * accepts both files as banger writes them, against the MINA test server on 127.0.0.1.
 */
class OpenSshInteropTest {

  @TempDir Path tmp;

  @Test
  void theSystemSshAcceptsBangersKeyAndKnownHosts() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/ssh")), "needs the OpenSSH client (openssh-client)");
    SshIdentity identity = SshIdentity.loadOrCreate(tmp.resolve("ssh"));
    KnownHosts knownHosts = new KnownHosts(tmp.resolve("ssh/known_hosts"));
    try (TestSshServer server = TestSshServer.start(identity.publicKey());
        GuestSsh ssh = new GuestSsh(identity, knownHosts)) {
      int port = server.port();
      ssh.awaitReady("127.0.0.1", port, "dev.vm", Duration.ofSeconds(10), () -> false);

      // by address, as pinned
      CommandResult byIp = run(identity, knownHosts.file(), port, "root@127.0.0.1", List.of());
      assertEquals(0, byIp.exitCode(), byIp.stderrText());
      // by the alias, as `banger ssh dev` will connect through the Host *.vm block
      CommandResult byName =
          run(
              identity,
              knownHosts.file(),
              port,
              "root@dev.vm",
              List.of("-o", "HostName=127.0.0.1"));
      assertEquals(0, byName.exitCode(), byName.stderrText());
      assertEquals(List.of("true", "true", "true"), server.commands);

      // and it is the pin that made it work: without it strict checking refuses
      Path empty = Files.createFile(tmp.resolve("empty_known_hosts"));
      CommandResult unpinned = run(identity, empty, port, "root@127.0.0.1", List.of());
      assertNotEquals(0, unpinned.exitCode());
      assertTrue(
          unpinned.stderrText().contains("Host key verification failed"), unpinned.stderrText());
    }
  }

  private static CommandResult run(
      SshIdentity id, Path knownHosts, int port, String target, List<String> extra)
      throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ssh",
                "-F",
                "/dev/null",
                "-i",
                id.privateKeyFile().toString(),
                "-o",
                "UserKnownHostsFile=" + knownHosts,
                "-o",
                "GlobalKnownHostsFile=/dev/null",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "IdentityAgent=none",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=5",
                "-p",
                Integer.toString(port)));
    argv.addAll(extra);
    argv.add(target);
    argv.add("true");
    return new HostCommandRunner().run(Command.of(argv).timeout(Duration.ofSeconds(30)).build());
  }
}
