package dev.banger.vm.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownHostsTest {

  static PublicKey keyA;
  static PublicKey keyB;

  @TempDir Path tmp;

  @BeforeAll
  static void keys() throws Exception {
    keyA = ed25519().getPublic();
    keyB = ed25519().getPublic();
  }

  static KeyPair ed25519() throws Exception {
    return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
  }

  KnownHosts kh() {
    return new KnownHosts(tmp.resolve("known_hosts"));
  }

  @Test
  void pinsOnFirstUseThenMatches() throws Exception {
    KnownHosts kh = kh();
    assertEquals(
        KnownHosts.Outcome.PINNED, kh.verifyOrPin("10.0.0.5", 22, List.of("dev.vm"), keyA));
    assertEquals(
        "10.0.0.5,dev.vm " + PublicKeyEntry.toString(keyA) + "\n", Files.readString(kh.file()));
    assertEquals(
        "rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(kh.file())));
    assertEquals(
        KnownHosts.Outcome.MATCHED, kh.verifyOrPin("10.0.0.5", 22, List.of("dev.vm"), keyA));
    assertEquals(KnownHosts.Outcome.MATCHED, kh.verifyOrPin("10.0.0.5", 22, List.of(), keyA));
    assertEquals(1, Files.readAllLines(kh.file()).size());
  }

  @Test
  void aPortOtherThan22IsBracketedAsOpenSshWritesIt() throws Exception {
    KnownHosts kh = kh();
    kh.verifyOrPin("127.0.0.1", 2222, List.of("Dev.VM"), keyA);
    assertEquals(
        "[127.0.0.1]:2222,[dev.vm]:2222 " + PublicKeyEntry.toString(keyA) + "\n",
        Files.readString(kh.file()));
    // the same host on another port is another entry, as for OpenSSH
    assertEquals(KnownHosts.Outcome.PINNED, kh.verifyOrPin("127.0.0.1", 2223, List.of(), keyB));
  }

  @Test
  void aNewAliasForAPinnedKeyIsAdded() throws Exception {
    KnownHosts kh = kh();
    kh.verifyOrPin("10.0.0.5", 22, List.of(), keyA);
    assertEquals(
        KnownHosts.Outcome.PINNED, kh.verifyOrPin("10.0.0.5", 22, List.of("dev.vm"), keyA));
    assertEquals(
        List.of(
            "10.0.0.5 " + PublicKeyEntry.toString(keyA), "dev.vm " + PublicKeyEntry.toString(keyA)),
        Files.readAllLines(kh.file()));
  }

  @Test
  void aChangedKeyIsRefusedNamingBothFingerprintsAndNothingIsWritten() throws Exception {
    KnownHosts kh = kh();
    kh.verifyOrPin("10.0.0.5", 22, List.of("dev.vm"), keyA);
    String before = Files.readString(kh.file());
    HostKeyMismatchException e =
        assertThrows(
            HostKeyMismatchException.class,
            () -> kh.verifyOrPin("10.0.0.5", 22, List.of("dev.vm"), keyB));
    String m = e.getMessage();
    assertTrue(m.startsWith("host key of 10.0.0.5 (dev.vm) changed — possible MITM"), m);
    assertTrue(m.contains(KeyUtils.getFingerPrint(keyA)), m);
    assertTrue(m.contains(KeyUtils.getFingerPrint(keyB)), m);
    assertTrue(m.contains("banger vm delete"), m);
    assertEquals(KeyUtils.getFingerPrint(keyA), e.pinnedFingerprint());
    assertEquals(KeyUtils.getFingerPrint(keyB), e.offeredFingerprint());
    assertEquals(before, Files.readString(kh.file()));
    // pinned under the alias alone, a new address with the old name is refused too
    assertThrows(
        HostKeyMismatchException.class,
        () -> kh.verifyOrPin("10.0.0.9", 22, List.of("dev.vm"), keyB));
    assertEquals(before, Files.readString(kh.file()));
  }

  @Test
  void removeDropsEveryLineNamingTheHostOnAnyPortAndIsIdempotent() throws Exception {
    KnownHosts kh = kh();
    Files.writeString(kh.file(), "# kept comment\n");
    kh.verifyOrPin("10.0.0.5", 22, List.of("dev.vm"), keyA);
    kh.verifyOrPin("10.0.0.5", 2222, List.of(), keyA);
    kh.verifyOrPin("10.0.0.6", 22, List.of("web.vm"), keyB);
    assertEquals(2, kh.remove("10.0.0.5"));
    assertEquals(
        List.of("# kept comment", "10.0.0.6,web.vm " + PublicKeyEntry.toString(keyB)),
        Files.readAllLines(kh.file()));
    assertEquals(0, kh.remove("10.0.0.5"));
    assertEquals(1, kh.remove(List.of("WEB.vm", "10.0.0.99")));
    assertEquals(List.of("# kept comment"), Files.readAllLines(kh.file()));
    assertEquals(0, new KnownHosts(tmp.resolve("absent")).remove("dev.vm"));
    assertFalse(Files.exists(tmp.resolve("absent")));
    // after a delete the same address may come back with a new key
    assertEquals(
        KnownHosts.Outcome.PINNED, kh.verifyOrPin("10.0.0.5", 22, List.of("dev.vm"), keyB));
  }

  @Test
  void linesBangerDidNotWriteNeverMatchAndAreKept() throws Exception {
    KnownHosts kh = kh();
    String foreign =
        "@revoked 10.0.0.5 "
            + PublicKeyEntry.toString(keyB)
            + "\n|1|abc=|def= "
            + PublicKeyEntry.toString(keyB)
            + "\ngarbage\n";
    Files.writeString(kh.file(), foreign);
    assertEquals(KnownHosts.Outcome.PINNED, kh.verifyOrPin("10.0.0.5", 22, List.of(), keyA));
    assertTrue(Files.readString(kh.file()).startsWith(foreign));
  }

  @Test
  void hostileNamesAreRejected() throws Exception {
    KnownHosts kh = kh();
    List<String> hostile =
        List.of(
            "",
            " ",
            "a b",
            "a,b",
            "a\nb",
            "a\rb",
            "a\tb",
            "*",
            "*.vm",
            "a?",
            "!a",
            "[a]",
            "[a]:22",
            "a:22",
            "a]",
            "@revoked",
            "|1|x",
            "#",
            "a/b",
            "a..b",
            ".a",
            "a.",
            "-a",
            "a-",
            "a_b",
            "ä.vm",
            "999.1.1.1",
            "1.2.3",
            "01.2.3.4",
            "a\u0000",
            "a".repeat(64) + ".vm",
            ("a".repeat(60) + ".").repeat(5) + "vm");
    for (String h : hostile) {
      assertThrows(
          IllegalArgumentException.class,
          () -> kh.verifyOrPin(h, 22, List.of(), keyA),
          HostNames.quote(h));
      assertThrows(
          IllegalArgumentException.class,
          () -> kh.verifyOrPin("10.0.0.5", 22, List.of(h), keyA),
          HostNames.quote(h));
      assertThrows(IllegalArgumentException.class, () -> kh.remove(h), HostNames.quote(h));
    }
    assertThrows(
        IllegalArgumentException.class, () -> kh.verifyOrPin("10.0.0.5", 0, List.of(), keyA));
    assertThrows(
        IllegalArgumentException.class, () -> kh.verifyOrPin("10.0.0.5", 65536, List.of(), keyA));
    assertFalse(Files.exists(kh.file()));
    // and these are fine
    for (String ok :
        List.of(
            "10.0.0.5",
            "255.255.255.255",
            "0.0.0.0",
            "dev.vm",
            "a",
            "a-b.vm",
            "x1.y2.vm",
            "a".repeat(63))) {
      kh.verifyOrPin(ok, 22, List.of(), keyA);
    }
  }

  @Test
  void concurrentPinsOfDifferentHostsAreAllKept() throws Exception {
    KnownHosts kh = kh();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<KnownHosts.Outcome>> fs = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String ip = "10.0.1." + i;
      // two instances on one file, as two components of one daemon might have
      KnownHosts which = i % 2 == 0 ? kh : kh();
      fs.add(pool.submit(() -> which.verifyOrPin(ip, 22, List.of(), keyA)));
    }
    for (Future<KnownHosts.Outcome> f : fs) {
      assertEquals(KnownHosts.Outcome.PINNED, f.get());
    }
    pool.shutdown();
    assertEquals(40, Files.readAllLines(kh.file()).size());
  }

  @Test
  void fingerprintsAreOpenSshs() throws Exception {
    assertEquals(
        KeyUtils.getFingerPrint(keyA), KnownHosts.fingerprint(PublicKeyEntry.toString(keyA)));
  }
}
