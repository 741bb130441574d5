package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.testing.BundleServer;
import dev.banger.image.testing.LoopbackOnly;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Catalog bundles in the blob cache: a plain URL, a digest, no size but a ceiling. */
class UnsizedBlobTest {

  static final LoopbackOnly NET = new LoopbackOnly();
  static BundleServer web;
  static RegistryClient client;

  @TempDir Path dir;
  BlobCache cache;

  @BeforeAll
  static void start() throws Exception {
    web = BundleServer.start();
    client = RegistryClient.builder().proxySelector(NET).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    web.close();
    assertEquals(List.of(), NET.outsideAttempts(), "nothing but loopback was contacted");
  }

  @BeforeEach
  void cache() {
    cache = new BlobCache(dir.resolve("oci"));
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void aBundleIsVerifiedCachedAndNotDownloadedTwice() throws Exception {
    byte[] bytes = random(300_000, 1);
    Digest d = Digest.sha256(bytes);
    URI url = URI.create(web.serve("/a.tar", bytes));
    List<long[]> progress = new CopyOnWriteArrayList<>();
    Path p =
        cache.fetchUpTo(
            d, 1 << 20, client.url(url), (done, total) -> progress.add(new long[] {done, total}));
    assertArrayEquals(bytes, Files.readAllBytes(p));
    assertEquals(cache.path(d), p);
    assertTrue(progress.stream().allMatch(x -> x[1] == 0), "the total is unknown while it streams");
    assertEquals(bytes.length, progress.getLast()[0]);
    cache.fetchUpTo(d, 1 << 20, client.url(url), BlobCache.Progress.NONE);
    assertEquals(1, web.gets("/a.tar"), "the second fetch came from the cache");
  }

  @Test
  void anInterruptedDownloadResumesWithARangeRequest() throws Exception {
    byte[] bytes = random(200_000, 2);
    Digest d = Digest.sha256(bytes);
    URI url = URI.create(web.serve("/b.tar", bytes));
    Path partial = cache.partialPath(d);
    Files.createDirectories(partial.getParent());
    Files.write(partial, java.util.Arrays.copyOf(bytes, 70_000));
    Path p = cache.fetchUpTo(d, 1 << 20, client.url(url), BlobCache.Progress.NONE);
    assertArrayEquals(bytes, Files.readAllBytes(p));
    assertEquals(List.of("/b.tar bytes=70000-"), web.ranges());
    assertFalse(Files.exists(partial));
  }

  @Test
  void passingTheCeilingStopsTheDownloadAndDropsThePartial() {
    byte[] bytes = random(100_000, 3);
    Digest d = Digest.sha256(bytes);
    URI url = URI.create(web.serve("/c.tar", bytes));
    RegistryException e =
        assertThrows(
            RegistryException.class,
            () -> cache.fetchUpTo(d, 64_000, client.url(url), BlobCache.Progress.NONE));
    assertEquals(RegistryException.Kind.DIGEST_MISMATCH, e.kind());
    assertTrue(e.getMessage().contains("larger than the 64000-byte limit"), e.getMessage());
    assertFalse(Files.exists(cache.partialPath(d)));
    assertFalse(cache.contains(d));
  }

  @Test
  void redirectsAreFollowedOnLoopbackAndRefusedOffHttp() throws Exception {
    byte[] bytes = random(10_000, 4);
    Digest d = Digest.sha256(bytes);
    web.serve("/real.tar", bytes);
    URI moved = URI.create(web.redirect("/moved", web.url("/real.tar")));
    assertArrayEquals(
        bytes,
        Files.readAllBytes(
            cache.fetchUpTo(d, 1 << 20, client.url(moved), BlobCache.Progress.NONE)));
    for (String to :
        List.of("ftp://127.0.0.1/x", "file:///etc/passwd", "http://mirror.example.org/x")) {
      URI bounce = URI.create(web.redirect("/bounce-" + Math.abs(to.hashCode()), to));
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () ->
                  cache.fetchUpTo(
                      Digest.sha256(new byte[] {1}),
                      1 << 20,
                      client.url(bounce),
                      BlobCache.Progress.NONE));
      assertEquals(RegistryException.Kind.UNSUPPORTED, e.kind(), to + ": " + e.getMessage());
    }
  }
}
