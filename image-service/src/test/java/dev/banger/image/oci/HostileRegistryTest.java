package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.banger.image.testing.LoopbackOnly;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scripted fake registry on loopback that answers what a broken or hostile one might: schema 1,
 * lying digests, oversized manifests, mislabelled documents, bad tokens, redirect loops, a wrong
 * Content-Range. Each must end in a clear error of the right kind.
 */
class HostileRegistryTest {

  /** One canned answer. */
  record Answer(int status, Map<String, String> headers, byte[] body) {
    static Answer of(int status, String contentType, String body) {
      return new Answer(
          status,
          contentType == null ? Map.of() : Map.of("Content-Type", contentType),
          body.getBytes(StandardCharsets.UTF_8));
    }
  }

  HttpServer server;
  final Map<String, Answer> answers = new ConcurrentHashMap<>();
  final AtomicInteger hits = new AtomicInteger();
  final LoopbackOnly net = new LoopbackOnly();
  RegistryClient client;
  String host;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::answer);
    server.start();
    host = "127.0.0.1:" + server.getAddress().getPort();
    client = RegistryClient.builder().proxySelector(net).build();
  }

  @AfterEach
  void stop() {
    client.close();
    server.stop(0);
    assertEquals(List.of(), net.outsideAttempts());
  }

  private void answer(HttpExchange ex) throws IOException {
    hits.incrementAndGet();
    Answer a = answers.getOrDefault(ex.getRequestURI().getPath(), Answer.of(404, null, ""));
    a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v.replace("{host}", host)));
    ex.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
    if (a.body().length > 0) {
      ex.getResponseBody().write(a.body());
    }
    ex.close();
  }

  RegistryException fails(String ref) {
    return assertThrows(
        RegistryException.class, () -> client.resolve(ImageReference.parse(host + "/" + ref)));
  }

  @Test
  void schema1IsRefusedAsUnsupported() {
    answers.put(
        "/v2/a/manifests/t",
        Answer.of(
            200,
            MediaTypes.DOCKER_SCHEMA1_SIGNED,
            "{\"schemaVersion\":1,\"name\":\"a\",\"tag\":\"t\",\"fsLayers\":[]}"));
    RegistryException e = fails("a:t");
    assertEquals(RegistryException.Kind.UNSUPPORTED, e.kind());
    assertTrue(e.getMessage().contains("schema 1"), e.getMessage());
  }

  @Test
  void aDockerContentDigestThatDoesNotMatchTheBytesIsAMismatch() {
    String body = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\"}";
    answers.put(
        "/v2/a/manifests/t",
        new Answer(
            200,
            Map.of(
                "Content-Type",
                MediaTypes.OCI_MANIFEST,
                "Docker-Content-Digest",
                "sha256:" + "0".repeat(64)),
            body.getBytes(StandardCharsets.UTF_8)));
    RegistryException e = fails("a:t");
    assertEquals(RegistryException.Kind.DIGEST_MISMATCH, e.kind());
    assertTrue(e.getMessage().contains("expected sha256:" + "0".repeat(64)), e.getMessage());
  }

  @Test
  void aManifestPulledByDigestMustHashToIt() {
    String digest = "sha256:" + "1".repeat(64);
    answers.put(
        "/v2/a/manifests/" + digest,
        Answer.of(200, MediaTypes.OCI_MANIFEST, "{\"schemaVersion\":2}"));
    assertEquals(RegistryException.Kind.DIGEST_MISMATCH, fails("a@" + digest).kind());
  }

  @Test
  void oversizedMislabelledAndMalformedManifests() {
    answers.put(
        "/v2/big/manifests/t", Answer.of(200, MediaTypes.OCI_MANIFEST, " ".repeat((4 << 20) + 1)));
    assertEquals(RegistryException.Kind.PROTOCOL, fails("big:t").kind());
    answers.put(
        "/v2/label/manifests/t",
        Answer.of(
            200,
            MediaTypes.OCI_MANIFEST,
            "{\"schemaVersion\":2,\"mediaType\":\""
                + MediaTypes.OCI_INDEX
                + "\",\"manifests\":[]}"));
    RegistryException label = fails("label:t");
    assertEquals(RegistryException.Kind.PROTOCOL, label.kind());
    assertTrue(label.getMessage().contains("says it is"), label.getMessage());
    answers.put(
        "/v2/json/manifests/t",
        Answer.of(200, MediaTypes.OCI_MANIFEST, "{\"schemaVersion\": 2, \u001b[31m"));
    RegistryException json = fails("json:t");
    assertEquals(RegistryException.Kind.PROTOCOL, json.kind());
    assertFalse(json.getMessage().contains("\u001b"), "no terminal escapes reach the user");
    answers.put(
        "/v2/neg/manifests/t",
        Answer.of(
            200,
            MediaTypes.OCI_MANIFEST,
            """
        {"schemaVersion":2,"config":{"mediaType":"%s","digest":"sha256:%s","size":-5},"layers":[]}"""
                .formatted(MediaTypes.OCI_CONFIG, "2".repeat(64))));
    assertEquals(RegistryException.Kind.PROTOCOL, fails("neg:t").kind());
    answers.put(
        "/v2/dig/manifests/t",
        Answer.of(
            200,
            MediaTypes.OCI_MANIFEST,
            """
        {"schemaVersion":2,"config":{"mediaType":"%s","digest":"sha256:../../etc","size":5},"layers":[]}"""
                .formatted(MediaTypes.OCI_CONFIG)));
    assertEquals(RegistryException.Kind.PROTOCOL, fails("dig:t").kind());
    answers.put(
        "/v2/other/manifests/t", Answer.of(200, "text/html", "<html>captive portal</html>"));
    assertEquals(RegistryException.Kind.PROTOCOL, fails("other:t").kind());
  }

  @Test
  void badTokenAnswersAreProtocolErrors() {
    answers.put(
        "/v2/a/manifests/t",
        new Answer(
            401,
            Map.of("WWW-Authenticate", "Bearer realm=\"http://{host}/token\",service=\"s\""),
            new byte[0]));
    answers.put("/token", Answer.of(200, "application/json", "{\"nothing\":\"here\"}"));
    assertEquals(RegistryException.Kind.PROTOCOL, fails("a:t").kind());
    answers.put(
        "/token",
        Answer.of(200, "application/json", "{\"token\":\"has space\\r\\nX-Injected: 1\"}"));
    assertEquals(RegistryException.Kind.PROTOCOL, fails("a:t").kind());
    answers.put("/token", Answer.of(200, "application/json", "not json"));
    assertEquals(RegistryException.Kind.PROTOCOL, fails("a:t").kind());
    answers.put(
        "/v2/b/manifests/t",
        new Answer(401, Map.of("WWW-Authenticate", "Negotiate abc"), new byte[0]));
    assertEquals(RegistryException.Kind.UNSUPPORTED, fails("b:t").kind());
    answers.put("/v2/c/manifests/t", new Answer(401, Map.of(), new byte[0]));
    assertEquals(RegistryException.Kind.UNAUTHORIZED, fails("c:t").kind());
  }

  @Test
  void aTokenThatStillGets401IsUnauthorized() {
    answers.put(
        "/v2/a/manifests/t",
        new Answer(
            401,
            Map.of(
                "WWW-Authenticate",
                "Bearer realm=\"http://{host}/token\",service=\"s\",scope=\"repository:a:pull\""),
            new byte[0]));
    answers.put("/token", Answer.of(200, "application/json", "{\"access_token\":\"abc\"}"));
    RegistryException e = fails("a:t");
    assertEquals(RegistryException.Kind.UNAUTHORIZED, e.kind());
    assertTrue(e.getMessage().contains("even after authenticating"), e.getMessage());
  }

  @Test
  void redirectLoopsEnd() {
    answers.put(
        "/v2/a/manifests/t", new Answer(302, Map.of("Location", "/v2/a/manifests/t"), new byte[0]));
    RegistryException e = fails("a:t");
    assertEquals(RegistryException.Kind.PROTOCOL, e.kind());
    assertTrue(e.getMessage().contains("redirected more than"), e.getMessage());
    assertEquals(RegistryHttp.MAX_REDIRECTS + 1, hits.get());
  }

  @Test
  void statusesMapToKinds() {
    answers.put(
        "/v2/a/manifests/t",
        Answer.of(
            403,
            "application/json",
            "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}"));
    RegistryException denied = fails("a:t");
    assertEquals(RegistryException.Kind.DENIED, denied.kind());
    assertTrue(
        denied.getMessage().contains("DENIED: requested access to the resource is denied"),
        denied.getMessage());
    answers.put("/v2/a/manifests/t", Answer.of(429, null, ""));
    assertEquals(RegistryException.Kind.NETWORK, fails("a:t").kind());
    answers.put("/v2/a/manifests/t", Answer.of(503, null, ""));
    assertEquals(RegistryException.Kind.NETWORK, fails("a:t").kind());
    answers.put("/v2/a/manifests/t", Answer.of(418, null, ""));
    assertEquals(RegistryException.Kind.PROTOCOL, fails("a:t").kind());
  }

  @Test
  void aPartialAnswerFromTheWrongOffsetIsRefused(@TempDir Path dir) throws Exception {
    byte[] blob = new byte[1000];
    Digest d = Digest.sha256(blob);
    BlobCache cache = new BlobCache(dir);
    Files.createDirectories(cache.partialPath(d).getParent());
    Files.write(cache.partialPath(d), new byte[100]);
    answers.put(
        "/v2/a/blobs/" + d, new Answer(206, Map.of("Content-Range", "bytes 0-999/1000"), blob));
    RegistryException e =
        assertThrows(
            RegistryException.class,
            () ->
                cache.fetch(
                    new Descriptor(MediaTypes.OCI_LAYER_TAR, d, 1000),
                    client.blobs(ImageReference.parse(host + "/a:t")),
                    BlobCache.Progress.NONE));
    assertEquals(RegistryException.Kind.PROTOCOL, e.kind());
    assertTrue(e.getMessage().contains("from byte 100"), e.getMessage());
  }
}
