package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.oci.RegistryCredentials.Credential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryCredentialsTest {

  @TempDir Path dir;

  private RegistryCredentials config(String json) throws IOException {
    Path p = dir.resolve("config.json");
    Files.writeString(p, json);
    return RegistryCredentials.fromDockerConfig(p);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void authFieldAndUsernamePasswordFields() throws Exception {
    RegistryCredentials c =
        config(
            """
        {"auths": {
          "https://index.docker.io/v1/": {"auth": "%s"},
          "127.0.0.1:5000": {"username": "bob", "password": "pw"},
          "http://ghcr.io/v2/": {"auth": "%s"}
        }}"""
                .formatted(b64("alice:s3cret:with:colons"), b64("gh:tok")));
    assertEquals(
        Optional.of(new Credential("alice", "s3cret:with:colons")),
        c.forHost("registry-1.docker.io"));
    assertEquals(Optional.of(new Credential("bob", "pw")), c.forHost("127.0.0.1:5000"));
    assertEquals(Optional.of(new Credential("gh", "tok")), c.forHost("ghcr.io"));
    assertEquals(Optional.empty(), c.forHost("127.0.0.1:5001"));
  }

  @Test
  void credsStoreIsRefusedOnlyForTheHostThatNeedsIt() throws Exception {
    RegistryCredentials c =
        config(
            """
        {"auths": {"quay.io": {}, "127.0.0.1:5000": {"auth": "%s"}},
         "credsStore": "desktop",
         "credHelpers": {"gcr.io": "gcloud"}}"""
                .formatted(b64("u:p")));
    RegistryException store = assertThrows(RegistryException.class, () -> c.forHost("quay.io"));
    assertEquals(RegistryException.Kind.UNSUPPORTED, store.kind());
    assertTrue(store.getMessage().contains("docker-credential-desktop"), store.getMessage());
    assertTrue(store.getMessage().contains("--creds"), store.getMessage());
    RegistryException helper = assertThrows(RegistryException.class, () -> c.forHost("gcr.io"));
    assertTrue(helper.getMessage().contains("docker-credential-gcloud"), helper.getMessage());
    // Hosts with inline credentials, and hosts with no entry at all, are unaffected.
    assertEquals(Optional.of(new Credential("u", "p")), c.forHost("127.0.0.1:5000"));
    assertEquals(Optional.empty(), c.forHost("registry-1.docker.io"));
  }

  @Test
  void explicitOverrideWinsEverywhere() throws Exception {
    RegistryCredentials c =
        config("{\"credHelpers\": {\"gcr.io\": \"gcloud\"}}").withOverride("me:pa:ss");
    assertEquals(Optional.of(new Credential("me", "pa:ss")), c.forHost("gcr.io"));
    assertEquals(
        Optional.of(new Credential("me", "pa:ss")),
        RegistryCredentials.none().withOverride("me:pa:ss").forHost("x"));
    assertThrows(
        IllegalArgumentException.class, () -> RegistryCredentials.none().withOverride("nocolon"));
    assertThrows(
        IllegalArgumentException.class, () -> RegistryCredentials.none().withOverride(":pw"));
  }

  @Test
  void brokenEntriesFailOnlyWhenUsed() throws Exception {
    RegistryCredentials c =
        config(
            "{\"auths\": {\"a.io\": {\"auth\": \"%%%\"}, \"b.io\": {\"auth\": \""
                + b64("no-colon")
                + "\"}}}");
    assertEquals(
        RegistryException.Kind.UNAUTHORIZED,
        assertThrows(RegistryException.class, () -> c.forHost("a.io")).kind());
    assertEquals(
        RegistryException.Kind.UNAUTHORIZED,
        assertThrows(RegistryException.class, () -> c.forHost("b.io")).kind());
    assertEquals(Optional.empty(), c.forHost("c.io"));
  }

  @Test
  void missingFileIsNoCredentialsAndMalformedFileSaysWhich() throws Exception {
    assertEquals(
        Optional.empty(),
        RegistryCredentials.fromDockerConfig(dir.resolve("absent.json")).forHost("x"));
    Files.writeString(dir.resolve("bad.json"), "{not json");
    IOException e =
        assertThrows(
            IOException.class, () -> RegistryCredentials.fromDockerConfig(dir.resolve("bad.json")));
    assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
  }

  @Test
  void defaultPathFollowsDockerConfig() {
    Path home = Path.of("/home/u");
    assertEquals(
        Path.of("/etc/dc/config.json"),
        RegistryCredentials.defaultConfigPath(Map.of("DOCKER_CONFIG", "/etc/dc"), home));
    assertEquals(
        Path.of("/home/u/.docker/config.json"),
        RegistryCredentials.defaultConfigPath(Map.of(), home));
  }

  @Test
  void passwordsNeverPrint() {
    Credential c = new Credential("u", "topsecret");
    assertFalse(c.toString().contains("topsecret"));
    assertEquals("Basic " + b64("u:topsecret"), c.basicHeader());
  }
}
