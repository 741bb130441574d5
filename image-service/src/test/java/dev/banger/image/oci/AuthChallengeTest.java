package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

  @Test
  void dockerHubBearer() {
    List<AuthChallenge> cs =
        AuthChallenge.parse(
            "Bearer realm=\"https://auth.docker.io/token\","
                + "service=\"registry.docker.io\",scope=\"repository:library/debian:pull\"");
    assertEquals(1, cs.size());
    AuthChallenge c = cs.getFirst();
    assertTrue(c.isBearer());
    assertEquals("https://auth.docker.io/token", c.realm());
    assertEquals("registry.docker.io", c.service());
    assertEquals("repository:library/debian:pull", c.scope());
  }

  @Test
  void commasInsideQuotesStayInTheValue() {
    AuthChallenge c =
        AuthChallenge.parse(
                "Bearer realm=\"https://r/token\",scope=\"repository:a/b:pull,push repository:c:pull\",error=\"insufficient_scope\"")
            .getFirst();
    assertEquals("repository:a/b:pull,push repository:c:pull", c.scope());
    assertEquals("insufficient_scope", c.params().get("error"));
  }

  @Test
  void basicWithSpacesAndCaseInsensitiveNames() {
    AuthChallenge c = AuthChallenge.parse("basic   Realm = \"Registry Realm\"").getFirst();
    assertTrue(c.isBasic());
    assertEquals("Registry Realm", c.realm());
  }

  @Test
  void severalChallengesInOneHeader() {
    List<AuthChallenge> cs =
        AuthChallenge.parse("Basic realm=\"x\", Bearer realm=\"https://t\",service=s");
    assertEquals(List.of("basic", "bearer"), cs.stream().map(AuthChallenge::scheme).toList());
    assertEquals("x", cs.get(0).realm());
    assertEquals(Map.of("realm", "https://t", "service", "s"), cs.get(1).params());
  }

  @Test
  void escapedQuotesAndTokenValues() {
    AuthChallenge c = AuthChallenge.parse("Bearer realm=\"a\\\"b\",service=plain-token").getFirst();
    assertEquals("a\"b", c.realm());
    assertEquals("plain-token", c.service());
  }

  @Test
  void malformedHeadersNeverThrow() {
    assertEquals(List.of(), AuthChallenge.parse(null));
    assertEquals(List.of(), AuthChallenge.parse(""));
    assertEquals(List.of(), AuthChallenge.parse(" , ,"));
    // An unterminated quote keeps what was parsed before it.
    AuthChallenge c =
        AuthChallenge.parse("Bearer service=s,realm=\"https://unterminated").getFirst();
    assertEquals("s", c.service());
    assertEquals(null, c.realm());
    assertEquals("bearer", AuthChallenge.parse("Bearer").getFirst().scheme());
    assertEquals(List.of(), AuthChallenge.parse("=\"x\""));
  }
}
