package dev.banger.image.oci;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OCI distribution client on the JDK HttpClient: ping, manifests (resolved to linux/amd64) and
 * blobs. Thread-safe; one instance shares connections and cached tokens across pulls. Blobs are
 * opened here but stored and verified by {@link BlobCache}.
 */
public final class RegistryClient implements AutoCloseable {

  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  private final HttpClient http;
  private final RegistryHttp registryHttp;

  private RegistryClient(Builder b) {
    HttpClient.Builder hb =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(b.connectTimeout);
    if (b.proxySelector != null) {
      hb.proxy(b.proxySelector);
    }
    this.http = hb.build();
    this.registryHttp = new RegistryHttp(http, b.transport, b.credentials, b.requestTimeout);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Checks that {@code registry} speaks the distribution API: {@code GET /v2/} answering 200, or
   * 401 (alive, wants authentication, which the real requests will do per scope).
   */
  public void ping(String registry) throws RegistryException {
    HttpResponse<InputStream> r =
        registryHttp.exchange(
            registryHttp.policy().registryBase(registry).resolve("/v2/"),
            Map.of(),
            null,
            "the API root");
    int s = r.statusCode();
    if (s == 200 || s == 401) {
      Bodies.discard(r);
      return;
    }
    throw registryHttp.failure(r, "the API root /v2/");
  }

  /**
   * Fetches the manifest the reference names, as bytes, verified against the reference's digest
   * when it has one. Schema 1 is refused.
   */
  public Manifests.Fetched fetchManifest(ImageReference ref) throws RegistryException {
    String what = "manifest " + ref.canonical();
    HttpResponse<InputStream> r =
        registryHttp.call(
            ref.registry(),
            "/v2/" + ref.repository() + "/manifests/" + ref.reference(),
            scope(ref),
            Map.of("Accept", String.join(", ", MediaTypes.MANIFEST_ACCEPT)),
            what);
    if (r.statusCode() != 200) {
      throw registryHttp.failure(r, what);
    }
    byte[] bytes;
    try {
      bytes = Bodies.read(r, Bodies.MAX_MANIFEST);
    } catch (Bodies.TooLarge e) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL, what + " is larger than 4 MiB; refusing it", e);
    } catch (IOException e) {
      throw new RegistryException(
          RegistryException.Kind.NETWORK,
          "reading " + what + " failed: " + RegistryHttp.describe(e),
          e);
    }
    Digest digest =
        verify(ref, bytes, r.headers().firstValue("Docker-Content-Digest").orElse(null), what);
    String mediaType =
        Manifests.mediaType(r.headers().firstValue("Content-Type").orElse(null), bytes, what);
    if (MediaTypes.isSchema1(mediaType)) {
      throw new RegistryException(
          RegistryException.Kind.UNSUPPORTED,
          what
              + " is a Docker schema 1 manifest, which banger does not support; rebuild or re-push the image");
    }
    if (!MediaTypes.isIndex(mediaType) && !MediaTypes.isImageManifest(mediaType)) {
      throw new RegistryException(
          RegistryException.Kind.UNSUPPORTED,
          what
              + " has media type "
              + Texts.quote(mediaType)
              + ", which is neither an image nor an index");
    }
    return new Manifests.Fetched(bytes, mediaType, digest);
  }

  /**
   * Resolves a reference to its linux/amd64 image: through the index if it names one, then the
   * image manifest's config and layers. The config is read too (it is small), to check the platform
   * a plain manifest was built for and to return the layers' diff_ids.
   */
  public ResolvedImage resolve(ImageReference ref) throws RegistryException {
    Manifests.Fetched top = fetchManifest(ref);
    Descriptor entry = null;
    ImageReference manifestRef = ref;
    Manifests.Fetched manifest = top;
    if (MediaTypes.isIndex(top.mediaType())) {
      String where = "index " + ref.canonical();
      entry = Manifests.pickPlatform(Manifests.indexEntries(top.bytes(), where), where);
      manifestRef = ref.withDigest(entry.digest());
      manifest = fetchManifest(manifestRef);
      if (!MediaTypes.isImageManifest(manifest.mediaType())) {
        throw new RegistryException(
            RegistryException.Kind.UNSUPPORTED,
            where
                + " points "
                + entry.platform()
                + " at another index; nested indexes are not supported");
      }
    }
    String where = "manifest " + manifestRef.canonical();
    Manifests.ImageManifest m = Manifests.image(manifest.bytes(), where);
    ImageConfig config = fetchConfig(ref, m.config(), "the config of " + where);
    checkPlatform(config, m, where);
    return new ResolvedImage(
        ref,
        manifest.digest(),
        m.config(),
        m.layers(),
        entry != null ? entry.platform() : Manifests.WANTED_PLATFORM,
        entry != null ? top.digest() : null,
        config.diffIds(),
        config.run());
  }

  /**
   * Refuses an image built for another platform (a plain manifest has no index to say so), and a
   * config whose diff_ids do not pair up with the layers. A config that leaves out os or
   * architecture is taken at its word that it is for us.
   */
  private static void checkPlatform(ImageConfig c, Manifests.ImageManifest m, String where)
      throws RegistryException {
    if (c.os() != null && !c.os().equals("linux")
        || c.architecture() != null && !c.architecture().equals("amd64")) {
      throw new RegistryException(
          RegistryException.Kind.UNSUPPORTED,
          where
              + " is a "
              + Texts.quote(c.platform())
              + " image; banger runs "
              + Manifests.WANTED_PLATFORM
              + " images");
    }
    if (!c.diffIds().isEmpty() && c.diffIds().size() != m.layers().size()) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          where
              + " has "
              + m.layers().size()
              + " layers but its config lists "
              + c.diffIds().size()
              + " diff_ids");
    }
  }

  /** Reads a config blob into memory (bounded, verified), without the cache. */
  private ImageConfig fetchConfig(ImageReference ref, Descriptor config, String what)
      throws RegistryException {
    if (config.size() > Bodies.MAX_MANIFEST) {
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          what + " claims " + config.size() + " bytes; refusing a config over 4 MiB");
    }
    byte[] bytes;
    try (BlobSource.Body body = openBlob(ref, config, 0)) {
      bytes = body.stream().readNBytes((int) config.size() + 1);
    } catch (IOException e) {
      throw new RegistryException(
          RegistryException.Kind.NETWORK,
          "reading " + what + " failed: " + RegistryHttp.describe(e),
          e);
    }
    if (bytes.length != config.size() || !config.digest().matches(bytes)) {
      throw new RegistryException(
          RegistryException.Kind.DIGEST_MISMATCH,
          what
              + " does not match its descriptor:"
              + " expected "
              + config.digest()
              + " ("
              + config.size()
              + " bytes), got "
              + Digest.newHasher(config.digest().algorithm()).digestOf(bytes)
              + " ("
              + bytes.length
              + " bytes)");
    }
    return ImageConfig.parse(bytes, what);
  }

  /** The blobs of the reference's repository, for {@link BlobCache#fetch}. */
  public BlobSource blobs(ImageReference ref) {
    Objects.requireNonNull(ref, "ref");
    return new BlobSource() {
      @Override
      public Body open(Descriptor blob, long offset) throws RegistryException {
        return openBlob(ref, blob, offset);
      }

      @Override
      public String describe() {
        return ref.repositoryDisplay();
      }
    };
  }

  private BlobSource.Body openBlob(ImageReference ref, Descriptor blob, long offset)
      throws RegistryException {
    String what = "blob " + blob.digest() + " of " + ref.repositoryDisplay();
    String path = "/v2/" + ref.repository() + "/blobs/" + blob.digest();
    Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
    HttpResponse<InputStream> r =
        registryHttp.call(ref.registry(), path, scope(ref), headers, what);
    if (r.statusCode() == 416 && offset > 0) {
      // Our partial file and the server disagree about the blob; start over from byte 0.
      Bodies.discard(r);
      r = registryHttp.call(ref.registry(), path, scope(ref), Map.of(), what);
    }
    return body(r, offset, what);
  }

  private BlobSource.Body body(HttpResponse<InputStream> r, long offset, String what)
      throws RegistryException {
    return switch (r.statusCode()) {
      case 200 -> new BlobSource.Body(r.body(), 0);
      case 206 -> new BlobSource.Body(r.body(), rangeStart(r, offset, what));
      default -> throw registryHttp.failure(r, what);
    };
  }

  /**
   * A plain URL as a blob source (a catalog bundle): no registry auth, but the same transport
   * policy (https, or plain http to loopback and insecure hosts only) for it and every redirect.
   */
  public BlobSource url(java.net.URI uri) {
    Objects.requireNonNull(uri, "uri");
    String what = "bundle " + Texts.quote(uri.toString());
    return new BlobSource() {
      @Override
      public Body open(Descriptor blob, long offset) throws RegistryException {
        Map<String, String> headers =
            offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
        HttpResponse<InputStream> r = registryHttp.exchange(uri, headers, null, what);
        if (r.statusCode() == 416 && offset > 0) {
          Bodies.discard(r);
          r = registryHttp.exchange(uri, Map.of(), null, what);
        }
        return body(r, offset, what);
      }

      @Override
      public String describe() {
        return Texts.quote(uri.toString());
      }
    };
  }

  private static long rangeStart(HttpResponse<InputStream> r, long asked, String what)
      throws RegistryException {
    String header = r.headers().firstValue("Content-Range").orElse("");
    Matcher m = CONTENT_RANGE.matcher(header.trim());
    if (!m.matches() || Long.parseLong(m.group(1)) != asked) {
      Bodies.discard(r);
      throw new RegistryException(
          RegistryException.Kind.PROTOCOL,
          r.uri().getAuthority()
              + " answered a request for "
              + what
              + " from byte "
              + asked
              + " with Content-Range "
              + Texts.quote(header));
    }
    return asked;
  }

  /**
   * The digest of manifest bytes. Pulled by digest, the bytes must hash to it; pulled by tag, a
   * Docker-Content-Digest header must match them too (else it is computed as sha256).
   */
  private static Digest verify(ImageReference ref, byte[] bytes, String header, String what)
      throws RegistryException {
    if (ref.digest() != null) {
      if (!ref.digest().matches(bytes)) {
        throw new RegistryException(
            RegistryException.Kind.DIGEST_MISMATCH,
            what
                + " does not hash to the digest it was"
                + " pulled by: expected "
                + ref.digest()
                + ", got "
                + Digest.sha256(bytes));
      }
      return ref.digest();
    }
    if (header != null) {
      Digest claimed;
      try {
        claimed = Digest.parse(header.trim());
      } catch (IllegalArgumentException e) {
        throw new RegistryException(
            RegistryException.Kind.PROTOCOL,
            what + " came with a malformed Docker-Content-Digest " + Texts.quote(header));
      }
      if (!claimed.matches(bytes)) {
        throw new RegistryException(
            RegistryException.Kind.DIGEST_MISMATCH,
            what
                + " does not hash to its"
                + " Docker-Content-Digest: expected "
                + claimed
                + ", got "
                + Digest.sha256(bytes));
      }
      return claimed;
    }
    return Digest.sha256(bytes);
  }

  private static String scope(ImageReference ref) {
    return "repository:" + ref.repository() + ":pull";
  }

  /**
   * Aborts what is still in flight and waits at most {@link #CLOSE_WAIT} for it: the JDK's own
   * {@code close()} waits for every exchange to finish, and one a registry stopped feeding (a
   * stalled body, its connection left open) never does, which hung a test run for 17 minutes.
   */
  @Override
  public void close() {
    http.shutdownNow();
    try {
      http.awaitTermination(CLOSE_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static final java.time.Duration CLOSE_WAIT = java.time.Duration.ofSeconds(5);

  /** Settings; every one has a production default. */
  public static final class Builder {
    private RegistryCredentials credentials = RegistryCredentials.none();
    private TransportPolicy transport = TransportPolicy.secure();
    private ProxySelector proxySelector;
    private Duration connectTimeout = Duration.ofSeconds(20);
    private Duration requestTimeout = Duration.ofSeconds(60);

    private Builder() {}

    public Builder credentials(RegistryCredentials c) {
      this.credentials = Objects.requireNonNull(c);
      return this;
    }

    public Builder transport(TransportPolicy t) {
      this.transport = Objects.requireNonNull(t);
      return this;
    }

    /** Proxies for the JDK client; tests pass one that only lets loopback through. */
    public Builder proxySelector(ProxySelector p) {
      this.proxySelector = p;
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = Objects.requireNonNull(d);
      return this;
    }

    /** How long to wait for response headers; bodies stream without a deadline. */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = Objects.requireNonNull(d);
      return this;
    }

    public RegistryClient build() {
      return new RegistryClient(this);
    }
  }
}
