package dev.banger.vm.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshIdentityTest {

  @TempDir Path tmp;

  @Test
  void makesAnOpenSshEd25519KeyOnFirstUse() throws Exception {
    Path dir = tmp.resolve("ssh");
    SshIdentity id = SshIdentity.loadOrCreate(dir);

    assertEquals("rwx------", perms(dir));
    assertEquals("rw-------", perms(id.privateKeyFile()));
    assertEquals("rw-r--r--", perms(id.publicKeyFile()));
    String priv = Files.readString(id.privateKeyFile());
    assertTrue(priv.startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n"), priv);
    assertTrue(
        id.authorizedKeysLine().matches("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ banger"),
        id.authorizedKeysLine());
    assertEquals(id.authorizedKeysLine() + "\n", Files.readString(id.publicKeyFile()));
    assertTrue(id.fingerprint().startsWith("SHA256:"));
  }

  @Test
  void sshKeygenDerivesTheSamePublicKey() throws Exception {
    SshIdentity id = SshIdentity.loadOrCreate(tmp);
    CommandResult r =
        new HostCommandRunner()
            .check(Command.of("ssh-keygen", "-y", "-f", id.privateKeyFile().toString()).build());
    // ssh-keygen prints "<type> <base64> <comment>"; the comment is stored in the key
    assertEquals(id.authorizedKeysLine(), r.stdoutText().strip());
  }

  @Test
  void loadsTheSameKeyAgain() throws Exception {
    SshIdentity first = SshIdentity.loadOrCreate(tmp);
    byte[] before = Files.readAllBytes(first.privateKeyFile());
    SshIdentity again = SshIdentity.loadOrCreate(tmp);
    assertEquals(first.authorizedKeysLine(), again.authorizedKeysLine());
    assertArrayEquals(before, Files.readAllBytes(again.privateKeyFile()));
  }

  @Test
  void concurrentFirstCallsMakeOneKey() throws Exception {
    int n = 12;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      keys.add(
          pool.submit(
              () -> {
                go.await();
                return SshIdentity.loadOrCreate(tmp.resolve("ssh")).authorizedKeysLine();
              }));
    }
    go.countDown();
    Set<String> distinct = new HashSet<>();
    for (Future<String> f : keys) {
      distinct.add(f.get());
    }
    pool.shutdown();
    assertEquals(1, distinct.size(), distinct.toString());
    try (Stream<Path> files = Files.list(tmp.resolve("ssh"))) {
      // the key, its .pub and the lock file; no temporary file left over
      assertEquals(
          Set.of("id_ed25519", "id_ed25519.pub", ".id_ed25519.lock"),
          files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
    }
  }

  @Test
  void aCorruptKeyIsAnErrorNamingTheFileAndIsKept() throws Exception {
    Path priv = tmp.resolve("id_ed25519");
    Files.writeString(
        priv,
        "-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64 at all\n-----END OPENSSH PRIVATE KEY-----\n");
    IOException e = assertThrows(IOException.class, () -> SshIdentity.loadOrCreate(tmp));
    assertTrue(e.getMessage().contains(priv.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("will not replace it"), e.getMessage());
    assertTrue(
        Files.readString(priv).contains("not base64 at all"), "the file must be left as it was");
  }

  @Test
  void garbageAndEmptyKeyFilesAreErrors() throws Exception {
    Path priv = tmp.resolve("id_ed25519");
    for (String content : List.of("", "hello\n", "ssh-ed25519 AAAA banger\n")) {
      Files.writeString(priv, content);
      IOException e = assertThrows(IOException.class, () -> SshIdentity.loadOrCreate(tmp), content);
      assertTrue(e.getMessage().contains(priv.toString()), e.getMessage());
    }
  }

  @Test
  void anUnreadableKeyIsAnErrorNamingTheFile() throws Exception {
    // A directory where the key should be: unreadable even for root, who ignores file modes.
    Path priv = Files.createDirectory(tmp.resolve("id_ed25519"));
    IOException e = assertThrows(IOException.class, () -> SshIdentity.loadOrCreate(tmp));
    assertTrue(e.getMessage().contains(priv.toString()), e.getMessage());
    assertTrue(Files.isDirectory(priv));
  }

  @Test
  void aKeyOfAnotherTypeIsRefused() throws Exception {
    Path priv = tmp.resolve("id_ed25519");
    new HostCommandRunner()
        .check(
            Command.of("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-f", priv.toString()).build());
    IOException e = assertThrows(IOException.class, () -> SshIdentity.loadOrCreate(tmp));
    assertTrue(e.getMessage().contains("not ssh-ed25519"), e.getMessage());
    assertTrue(e.getMessage().contains(priv.toString()), e.getMessage());
  }

  @Test
  void aKeyMadeBySshKeygenIsUsed() throws Exception {
    Path priv = tmp.resolve("id_ed25519");
    new HostCommandRunner()
        .check(
            Command.of(
                    "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "x", "-f", priv.toString())
                .build());
    String pub = Files.readString(tmp.resolve("id_ed25519.pub")).split(" ")[1];
    SshIdentity id = SshIdentity.loadOrCreate(tmp);
    assertEquals("ssh-ed25519 " + pub + " banger", id.authorizedKeysLine());
  }

  @Test
  void aMissingOrStalePublicFileIsRewrittenFromThePrivateKey() throws Exception {
    SshIdentity id = SshIdentity.loadOrCreate(tmp);
    Files.delete(id.publicKeyFile());
    SshIdentity.loadOrCreate(tmp);
    assertEquals(
        id.authorizedKeysLine() + "\n",
        Files.readString(id.publicKeyFile(), StandardCharsets.US_ASCII));
    Files.writeString(id.publicKeyFile(), "ssh-ed25519 AAAAwrong banger\n");
    SshIdentity.loadOrCreate(tmp);
    assertEquals(
        id.authorizedKeysLine() + "\n",
        Files.readString(id.publicKeyFile(), StandardCharsets.US_ASCII));
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
