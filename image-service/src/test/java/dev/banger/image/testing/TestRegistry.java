package dev.banger.image.testing;

import dev.banger.image.oci.Digest;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.process.RunningProcess;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code docker-registry serve} (distribution v2.8) on 127.0.0.1 and a free port, with its
 * storage under a test's directory, and helpers to push blobs, manifests and whole images over its
 * HTTP API. Tests that need it are skipped (with the reason and the apt command) when the binary is
 * not installed.
 *
 * <p>Pushing is plain monolithic uploads ({@code POST} then {@code PUT ?digest=}); the image
 * builders live in {@link TestImages}.
 */
public final class TestRegistry implements AutoCloseable {

  private static final HostCommandRunner RUNNER = new HostCommandRunner();
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  private final Path dir;
  private final int port;
  private final RunningProcess process;
  private final String authorization;
  private final HttpClient http;

  private TestRegistry(Path dir, int port, RunningProcess process, String authorization) {
    this.dir = dir;
    this.port = port;
    this.process = process;
    this.authorization = authorization;
    this.http =
        HttpClient.newBuilder()
            .proxy(ProxySelector.of(null))
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** An open registry (no auth) storing under {@code dir/storage}. */
  public static TestRegistry start(Path dir) {
    return launch(dir, null, null);
  }

  /** A registry that wants HTTP basic auth for everything ({@code htpasswd -B}). */
  public static TestRegistry startWithBasicAuth(Path dir, String user, String password) {
    return launch(dir, user, password);
  }

  /** {@code 127.0.0.1:PORT}, as an image reference's registry part. */
  public String host() {
    return "127.0.0.1:" + port;
  }

  public URI baseUri() {
    return URI.create("http://" + host());
  }

  /** Where the registry keeps a blob's bytes on disk (to corrupt it in tests). */
  public Path blobFile(Digest d) {
    return dir.resolve("storage/docker/registry/v2/blobs")
        .resolve(d.algorithm())
        .resolve(d.hex().substring(0, 2))
        .resolve(d.hex())
        .resolve("data");
  }

  /** Uploads a blob (skipped when the registry has it already); returns its sha256 digest. */
  public Digest pushBlob(String repo, byte[] bytes) {
    Digest d = Digest.sha256(bytes);
    HttpResponse<String> head =
        send(
            request("/v2/" + repo + "/blobs/" + d)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
    if (head.statusCode() == 200) {
      return d;
    }
    HttpResponse<String> post =
        expect(
            202,
            request("/v2/" + repo + "/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()),
            "start an upload to " + repo);
    String location = post.headers().firstValue("Location").orElseThrow();
    URI upload = baseUri().resolve(location);
    String sep = upload.getRawQuery() == null ? "?" : "&";
    expect(
        201,
        authorized(HttpRequest.newBuilder(URI.create(upload + sep + "digest=" + d)))
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)),
        "finish the upload of " + d);
    return d;
  }

  /** Puts a manifest under a tag or its digest; returns the sha256 of {@code json}. */
  public Digest pushManifest(String repo, String tagOrDigest, String mediaType, byte[] json) {
    expect(
        201,
        request("/v2/" + repo + "/manifests/" + tagOrDigest)
            .header("Content-Type", mediaType)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(json)),
        "push manifest " + repo + ":" + tagOrDigest);
    return Digest.sha256(json);
  }

  /**
   * Pushes a linux/amd64 image: the layers as given, a config whose {@code rootfs.diff_ids} are the
   * sha256 of each layer uncompressed, and a manifest tagged {@code tag}. Docker layer types get a
   * Docker schema 2 manifest and config, OCI types OCI ones.
   *
   * @return the manifest digest
   */
  public Digest pushImage(String repo, String tag, List<byte[]> layerBlobs, String layerMediaType) {
    return TestImages.pushImage(this, repo, tag, "linux/amd64", layerBlobs, layerMediaType)
        .digest();
  }

  /** As {@link #pushImage(String, String, List, String)}, with the config's diff_ids as given. */
  public Digest pushImageWithDiffIds(
      String repo, String tag, List<byte[]> layerBlobs, String layerMediaType, List<Digest> ids) {
    return TestImages.pushImage(this, repo, tag, "linux/amd64", layerBlobs, layerMediaType, ids)
        .digest();
  }

  /**
   * As {@link #pushImage(String, String, List, String)}, with the config's {@code config} object
   * (Entrypoint, Cmd, Env, WorkingDir, User) as given.
   */
  public Digest pushImageWithRunConfig(
      String repo,
      String tag,
      List<byte[]> layerBlobs,
      String layerMediaType,
      java.util.Map<String, Object> runConfig) {
    return TestImages.pushImage(
            this, repo, tag, "linux/amd64", layerBlobs, layerMediaType, null, runConfig)
        .digest();
  }

  /** The same for another platform ({@code os/arch[/variant]}), e.g. {@code linux/arm64}. */
  public Digest pushImage(
      String repo, String tag, String platform, List<byte[]> layerBlobs, String layerMediaType) {
    return TestImages.pushImage(this, repo, tag, platform, layerBlobs, layerMediaType).digest();
  }

  /**
   * Pushes one image per platform (same layers, a config naming each platform) and an index over
   * them tagged {@code tag}: an OCI index for OCI layer types, a Docker manifest list for Docker
   * ones.
   *
   * @return the index digest
   */
  public Digest pushIndex(
      String repo,
      String tag,
      List<String> platforms,
      List<byte[]> layerBlobs,
      String layerMediaType) {
    return TestImages.pushIndex(this, repo, tag, platforms, layerBlobs, layerMediaType);
  }

  /**
   * The {@code Authorization} value a basic-auth registry wants, or null. For fronts and raw calls.
   */
  public String authorization() {
    return authorization;
  }

  @Override
  public void close() {
    List<ProcessHandle> children =
        ProcessHandle.of(process.pid()).map(p -> p.descendants().toList()).orElse(List.of());
    try {
      process.stop(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      process.kill();
      Thread.currentThread().interrupt();
    }
    children.forEach(ProcessHandle::destroyForcibly);
    http.close();
  }

  HttpRequest.Builder request(String path) {
    return authorized(HttpRequest.newBuilder(baseUri().resolve(path)));
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder b) {
    b.timeout(Duration.ofSeconds(30));
    return authorization == null ? b : b.header("Authorization", authorization);
  }

  HttpResponse<String> expect(int status, HttpRequest.Builder b, String what) {
    HttpResponse<String> r = send(b);
    if (r.statusCode() != status) {
      throw new IllegalStateException(
          "test registry could not " + what + ": HTTP " + r.statusCode() + " " + r.body());
    }
    return r;
  }

  private HttpResponse<String> send(HttpRequest.Builder b) {
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("test registry at " + host() + " did not answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted talking to the test registry", e);
    }
  }

  private static TestRegistry launch(Path dir, String user, String password) {
    requireInstalled();
    IllegalStateException last = null;
    // A free port can be taken between probing and binding; try a few.
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        return launchOnce(dir, user, password, freePort());
      } catch (IllegalStateException e) {
        last = e;
        if (!String.valueOf(e.getMessage()).contains("address already in use")) {
          throw e;
        }
      }
    }
    throw last;
  }

  private static TestRegistry launchOnce(Path dir, String user, String password, int port) {
    try {
      Files.createDirectories(dir.resolve("storage"));
      String auth = "";
      String header = null;
      if (user != null) {
        Path htpasswd = dir.resolve("htpasswd");
        CommandResult r =
            RUNNER.run(
                Command.of("htpasswd", "-B", "-b", "-c", htpasswd.toString(), user, password)
                    .build());
        if (!r.succeeded()) {
          throw new IllegalStateException("htpasswd failed: " + r.stderrText());
        }
        auth = "auth:\n  htpasswd:\n    realm: banger-test\n    path: " + htpasswd + "\n";
        header =
            "Basic "
                + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
      }
      Path config = dir.resolve("config-" + port + ".yml");
      Files.writeString(
          config,
          """
          version: 0.1
          log:
            level: info
          storage:
            filesystem:
              rootdirectory: %s
            delete:
              enabled: true
            maintenance:
              uploadpurging:
                enabled: false
          http:
            addr: 127.0.0.1:%d
            secret: banger-test-secret
          """
                  .formatted(dir.resolve("storage"), port)
              + auth);
      Path log = dir.resolve("registry-" + port + ".log");
      RunningProcess p =
          RUNNER.start(Command.of("docker-registry", "serve", config.toString()).build(), log);
      TestRegistry reg = new TestRegistry(dir, port, p, header);
      reg.awaitReady(log);
      return reg;
    } catch (IOException | CommandFailedException e) {
      throw new IllegalStateException("cannot start docker-registry: " + e.getMessage(), e);
    }
  }

  /**
   * Polls {@code /v2/} until it answers (200, or 401 with auth on); fails with the log if the
   * process dies.
   */
  private void awaitReady(Path log) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        String text = Files.readString(log).toLowerCase(java.util.Locale.ROOT);
        close();
        throw new IllegalStateException("docker-registry exited at start-up: " + text);
      }
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(baseUri().resolve("/v2/"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200 || r.statusCode() == 401) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      } catch (InterruptedException e) {
        close();
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for docker-registry", e);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        close();
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for docker-registry", e);
      }
    }
    close();
    throw new IllegalStateException(
        "docker-registry did not answer /v2/ within "
            + START_TIMEOUT
            + ":\n"
            + Files.readString(log));
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free loopback port", e);
    }
  }

  /** Skips the calling test, loudly, when the registry binary is missing. */
  static void requireInstalled() {
    boolean found = false;
    for (String d : String.valueOf(System.getenv("PATH")).split(File.pathSeparator)) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, "docker-registry"))) {
        found = true;
        break;
      }
    }
    if (!found) {
      String why =
          "docker-registry is not on PATH, so tests against a real OCI registry are SKIPPED; "
              + "install it with: apt-get install docker-registry";
      System.err.println("WARNING: " + why);
      Assumptions.abort(why);
    }
  }
}
