package dev.banger.kit.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AccessPolicyTest {

  @TempDir Path dir;
  private UserDirectory users;

  private static final PeerCredentials ROOT = new PeerCredentials(10, 0, 0);
  private static final PeerCredentials ALICE = new PeerCredentials(11, 1000, 1000);
  private static final PeerCredentials BOB = new PeerCredentials(12, 1001, 1001);
  private static final PeerCredentials IMAGE_SVC = new PeerCredentials(13, 998, 998);
  private static final PeerCredentials NOBODY = new PeerCredentials(14, 65534, 65534);

  @BeforeEach
  void directory() throws Exception {
    Files.writeString(
        dir.resolve("passwd"),
        """
        root:x:0:0:root:/root:/bin/bash
        alice:x:1000:1000::/home/alice:/bin/bash
        bob:x:1001:1001::/home/bob:/bin/bash
        banger-image:x:998:998::/nonexistent:/usr/sbin/nologin
        nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin
        """);
    Files.writeString(
        dir.resolve("group"),
        """
        root:x:0:
        alice:x:1000:
        bob:x:1001:
        banger:x:990:bob
        kvm:x:1000:
        """);
    users = new UserDirectory(dir.resolve("passwd"), dir.resolve("group"));
  }

  private AccessPolicy policy(List<String> defaults, Map<String, List<String>> methods) {
    Map<String, List<Principal>> m = new java.util.TreeMap<>();
    methods.forEach((k, v) -> m.put(k, v.stream().map(Principal::parse).toList()));
    return new AccessPolicy(defaults.stream().map(Principal::parse).toList(), m, users, 998, 1000);
  }

  @ParameterizedTest(name = "{0} calling with allow={1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      root   | root          | true
      alice  | root          | false
      alice  | owner         | true
      bob    | owner         | false
      alice  | uid:1000      | true
      nobody | uid:1000      | false
      alice  | user:alice    | true
      bob    | user:alice    | false
      bob    | group:banger  | true
      alice  | group:banger  | false
      alice  | group:kvm     | true
      image  | self          | true
      alice  | self          | false
      nobody | any           | true
      nobody | user:ghost    | false
      nobody | group:ghosts  | false
      """)
  void singlePrincipalMatrix(String who, String allow, boolean expected) {
    PeerCredentials peer =
        switch (who) {
          case "root" -> ROOT;
          case "alice" -> ALICE;
          case "bob" -> BOB;
          case "image" -> IMAGE_SVC;
          default -> NOBODY;
        };
    assertEquals(
        expected,
        policy(List.of(allow), Map.of()).decide(peer, "banger.vm.v1.VmService/ListVms").allowed());
  }

  @Test
  void methodRuleBeatsServiceRuleBeatsDefault() {
    AccessPolicy p =
        policy(
            List.of("root"),
            Map.of(
                "banger.net.v1.NetService/*", List.of("owner"),
                "banger.net.v1.NetService/ListLeases", List.of("any"),
                "grpc.health.v1.Health/Check", List.of("any")));
    assertTrue(p.decide(NOBODY, "banger.net.v1.NetService/ListLeases").allowed());
    assertTrue(p.decide(ALICE, "banger.net.v1.NetService/LeaseIp").allowed());
    assertEquals(
        false,
        p.decide(ROOT, "banger.net.v1.NetService/LeaseIp").allowed(),
        "service rule replaces default");
    assertTrue(p.decide(ROOT, "banger.disk.v1.DiskService/CreateOverlay").allowed());
    assertTrue(p.decide(NOBODY, "grpc.health.v1.Health/Check").allowed());
    assertEquals(false, p.decide(NOBODY, "grpc.health.v1.Health/Watch").allowed());
  }

  @Test
  void emptyListDeniesAndSaysSo() {
    AccessPolicy.Decision d = policy(List.of(), Map.of()).decide(ROOT, "x.Y/Z");
    assertEquals(false, d.allowed());
    assertTrue(d.rule().contains("allows nobody"), d.rule());
  }

  @Test
  void missingCredentialsMatchOnlyAny() {
    assertEquals(
        false,
        policy(List.of("root", "owner", "self", "uid:0", "group:root"), Map.of())
            .decide(null, "x.Y/Z")
            .allowed());
    assertTrue(policy(List.of("any"), Map.of()).decide(null, "x.Y/Z").allowed());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "admin",
        "uid:",
        "uid:-1",
        "uid:abc",
        "uid:99999999999",
        "user:",
        "user:Bad Name",
        "group:a;b",
        "user:../etc",
        "host:x",
        "user:$(id)"
      })
  void badPrincipalsAreRejectedWithTheirText(String text) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Principal.parse(text));
    assertTrue(
        e.getMessage().contains("\"" + text.strip() + "\"") || text.isBlank(), e.getMessage());
  }
}
