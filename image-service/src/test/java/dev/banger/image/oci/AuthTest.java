package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.testing.LoopbackOnly;
import dev.banger.image.testing.TarLayers;
import dev.banger.image.testing.TarLayers.Compression;
import dev.banger.image.testing.TestRegistry;
import dev.banger.image.testing.TokenAuthFront;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Basic auth on the registry itself, bearer tokens through a front, redirects, refused URLs. */
class AuthTest {

  @TempDir static Path dir;
  static TestRegistry open;
  static TestRegistry basic;
  static final List<byte[]> LAYERS =
      List.of(
          TarLayers.layer().file("a", "a\n", 0644, 0, 0).build(Compression.GZIP),
          TarLayers.layer().file("b", "b\n", 0644, 0, 0).build(Compression.GZIP),
          TarLayers.layer().file("c", "c\n", 0644, 0, 0).build(Compression.GZIP));

  final LoopbackOnly net = new LoopbackOnly();
  TokenAuthFront front;

  @BeforeAll
  static void start() {
    open = TestRegistry.start(dir.resolve("open"));
    open.pushImage("team/app", "v1", LAYERS, Compression.GZIP.mediaType());
    open.pushImage("team/other", "v1", LAYERS, Compression.GZIP.mediaType());
    basic = TestRegistry.startWithBasicAuth(dir.resolve("basic"), "alice", "wonderland");
    basic.pushImage("private/app", "v1", LAYERS, Compression.GZIP.mediaType());
  }

  @AfterAll
  static void stop() {
    if (open != null) {
      open.close();
    }
    if (basic != null) {
      basic.close();
    }
  }

  @AfterEach
  void noOutsideTraffic() {
    if (front != null) {
      front.close();
    }
    assertEquals(List.of(), net.outsideAttempts(), "nothing but loopback was contacted");
  }

  RegistryClient client(RegistryCredentials creds) {
    return RegistryClient.builder().credentials(creds).proxySelector(net).build();
  }

  /** Resolves and downloads everything, checking the bytes. */
  void pull(RegistryClient c, String ref, String cacheName) throws Exception {
    ResolvedImage img = c.resolve(ImageReference.parse(ref));
    LayerFetcher.FetchedImage f =
        new LayerFetcher(new BlobCache(dir.resolve(cacheName)))
            .fetch(img, c.blobs(img.ref()), LayerFetcher.Listener.NONE);
    for (int i = 0; i < LAYERS.size(); i++) {
      assertArrayEquals(LAYERS.get(i), Files.readAllBytes(f.layers().get(i)));
    }
  }

  @Test
  void basicAuthWithExplicitAndConfigFileCredentials() throws Exception {
    try (RegistryClient c = client(RegistryCredentials.none().withOverride("alice:wonderland"))) {
      pull(c, basic.host() + "/private/app:v1", "basic-explicit");
    }
    Path config = dir.resolve("docker-config.json");
    Files.writeString(
        config,
        "{\"auths\":{\"http://"
            + basic.host()
            + "/v2/\":{\"auth\":\""
            + Base64.getEncoder()
                .encodeToString("alice:wonderland".getBytes(StandardCharsets.UTF_8))
            + "\"}}}");
    try (RegistryClient c = client(RegistryCredentials.fromDockerConfig(config))) {
      pull(c, basic.host() + "/private/app:v1", "basic-config");
    }
  }

  @Test
  void basicAuthWithWrongOrNoCredentialsIsUnauthorized() {
    try (RegistryClient c = client(RegistryCredentials.none().withOverride("alice:wrong"))) {
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () -> c.resolve(ImageReference.parse(basic.host() + "/private/app:v1")));
      assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
      assertTrue(e.getMessage().contains(basic.host()), e.getMessage());
    }
    try (RegistryClient c = client(RegistryCredentials.none())) {
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () -> c.resolve(ImageReference.parse(basic.host() + "/private/app:v1")));
      assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
      assertEquals(
          basic.host()
              + " needs a user name and password for manifest "
              + basic.host()
              + "/private/app:v1; pass --creds user:password or log in with docker login",
          e.getMessage());
    }
  }

  @Test
  void bearerTokenIsFetchedOncePerScopeAndReused() throws Exception {
    front = TokenAuthFront.over(open).credentials("bob", "builder").start();
    try (RegistryClient c = client(RegistryCredentials.none().withOverride("bob:builder"))) {
      pull(c, front.host() + "/team/app:v1", "bearer-1");
      assertEquals(1, front.tokensIssued(), "manifest and three layers share one token");
      c.resolve(ImageReference.parse(front.host() + "/team/app:v1"));
      assertEquals(1, front.tokensIssued(), "a second pull of the same repository reuses it");
      c.resolve(ImageReference.parse(front.host() + "/team/other:v1"));
      assertEquals(2, front.tokensIssued(), "another repository is another scope");
    }
    // Only the first request of each scope went out without a token.
    long bare =
        front.requests().stream()
            .filter(s -> !s.path().equals("/token") && s.authorization() == null)
            .count();
    assertEquals(2, bare);
    assertTrue(
        front.requests().stream()
            .filter(s -> s.path().equals("/token"))
            .allMatch(s -> s.authorization() != null && s.authorization().startsWith("Basic ")));
  }

  @Test
  void anonymousTokensNeedNoCredentials() throws Exception {
    front = TokenAuthFront.over(open).anonymous().start();
    try (RegistryClient c = client(RegistryCredentials.none())) {
      pull(c, front.host() + "/team/app:v1", "bearer-anon");
    }
    assertEquals(1, front.tokensIssued());
  }

  @Test
  void refusedTokensAreUnauthorizedAndNameTheTokenService() {
    front = TokenAuthFront.over(open).credentials("bob", "builder").start();
    try (RegistryClient c = client(RegistryCredentials.none().withOverride("bob:nope"))) {
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () -> c.resolve(ImageReference.parse(front.host() + "/team/app:v1")));
      assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
      assertEquals(
          "the token service "
              + front.host()
              + " for "
              + front.host()
              + " refused the credentials of user \"bob\"",
          e.getMessage());
    }
    try (RegistryClient c = client(RegistryCredentials.none())) {
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () -> c.resolve(ImageReference.parse(front.host() + "/team/app:v1")));
      assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
      assertTrue(e.getMessage().contains("refused anonymous access"), e.getMessage());
    }
    assertEquals(0, front.tokensIssued());
  }

  @Test
  void blobRedirectsAreFollowedWithoutTheTokenOnTheOtherHost() throws Exception {
    front = TokenAuthFront.over(open).anonymous().redirectBlobs().start();
    try (RegistryClient c = client(RegistryCredentials.none())) {
      pull(c, front.host() + "/team/app:v1", "redirect");
    }
    List<TokenAuthFront.Seen> cdn =
        front.requests().stream().filter(s -> s.server().equals("blob-host")).toList();
    // The config (read by resolve, then cached by the fetcher) and three layers came from the blob
    // host, none of them carrying our token.
    assertEquals(5, cdn.size(), cdn.toString());
    cdn.forEach(s -> assertNull(s.authorization(), s.toString()));
    assertTrue(
        front.requests().stream()
            .anyMatch(
                s ->
                    s.server().equals("front")
                        && s.path().contains("/blobs/")
                        && s.authorization() != null
                        && s.authorization().startsWith("Bearer ")));
  }

  @Test
  void aPlainHttpRealmOnAnotherHostIsRefusedBeforeAnyConnection() {
    front =
        TokenAuthFront.over(open).anonymous().realm("http://example.invalid:5000/token").start();
    try (RegistryClient c = client(RegistryCredentials.none().withOverride("bob:secret"))) {
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () -> c.resolve(ImageReference.parse(front.host() + "/team/app:v1")));
      assertEquals(RegistryException.Kind.UNSUPPORTED, e.kind());
      assertTrue(
          e.getMessage().startsWith("refusing plain http to example.invalid:5000"), e.getMessage());
    }
    assertEquals(List.of(), net.outsideAttempts());
  }

  @Test
  void aRedirectToPlainHttpOnAnotherHostIsRefusedBeforeAnyConnection() {
    front =
        TokenAuthFront.over(open).anonymous().redirectBase("http://example.invalid:5000").start();
    try (RegistryClient c = client(RegistryCredentials.none())) {
      // resolve reads the config blob, which is the first blob to be redirected.
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () -> c.resolve(ImageReference.parse(front.host() + "/team/app:v1")));
      assertEquals(RegistryException.Kind.UNSUPPORTED, e.kind());
      assertTrue(
          e.getMessage().startsWith("refusing plain http to example.invalid:5000"), e.getMessage());
    }
    assertEquals(List.of(), net.outsideAttempts());
  }

  @Test
  void aPlainHttpRegistryThatIsNotLoopbackIsSpokenToOverHttpsOnly() {
    // Proven without the network: the base URL is https, and http is refused up front.
    assertEquals(
        "https", TransportPolicy.secure().registryBase("example.invalid:5000").getScheme());
    assertThrows(
        RegistryException.class,
        () ->
            TransportPolicy.secure().check(java.net.URI.create("http://example.invalid:5000/v2/")));
    assertEquals(List.of(), net.outsideAttempts());
  }
}
