package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.testing.LoopbackOnly;
import dev.banger.image.testing.TestRegistry;
import dev.banger.image.testing.TokenAuthFront;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The blob cache against a real registry behind an open front that injects faults. */
class BlobCacheTest {

  @TempDir static Path regDir;
  static TestRegistry reg;
  static final LoopbackOnly NET = new LoopbackOnly();
  static RegistryClient client;

  @TempDir Path dir;
  TokenAuthFront front;
  BlobCache cache;

  @BeforeAll
  static void start() {
    reg = TestRegistry.start(regDir);
    client = RegistryClient.builder().proxySelector(NET).build();
  }

  @AfterAll
  static void stop() {
    client.close();
    reg.close();
    assertEquals(List.of(), NET.outsideAttempts());
  }

  @BeforeEach
  void front() {
    front = TokenAuthFront.over(reg).open().start();
    cache = new BlobCache(dir.resolve("oci"));
  }

  @AfterEach
  void close() {
    front.close();
  }

  /** Random (incompressible) bytes pushed as a blob; returns its descriptor. */
  static Descriptor push(String repo, byte[] bytes) {
    return new Descriptor(MediaTypes.OCI_LAYER_TAR, reg.pushBlob(repo, bytes), bytes.length);
  }

  static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  BlobSource source(String repo) {
    return client.blobs(ImageReference.parse(front.host() + "/" + repo + ":x"));
  }

  @Test
  void aFetchedBlobIsVerifiedPublishedAndThenServedWithoutTheNetwork() throws Exception {
    byte[] bytes = random(200_000, 1);
    Descriptor d = push("c/reuse", bytes);
    Path p = cache.fetch(d, source("c/reuse"), BlobCache.Progress.NONE);
    assertEquals(cache.path(d.digest()), p);
    assertEquals(dir.resolve("oci/blobs/sha256/" + d.digest().hex()), p);
    assertArrayEquals(bytes, Files.readAllBytes(p));
    assertTrue(cache.contains(d.digest()));
    assertFalse(Files.exists(cache.partialPath(d.digest())));
    BlobSource offline =
        new BlobSource() {
          @Override
          public Body open(Descriptor blob, long offset) {
            throw new AssertionError("a cached blob must not be downloaded again");
          }

          @Override
          public String describe() {
            return "offline";
          }
        };
    assertEquals(p, cache.fetch(d, offline, BlobCache.Progress.NONE));
  }

  @Test
  void wrongBytesFromTheServerAreADigestMismatchAndNothingIsKept() {
    byte[] bytes = random(100_000, 2);
    Descriptor d = push("c/corrupt", bytes);
    front.corruptBlob(d.digest());
    RegistryException e =
        assertThrows(
            RegistryException.class,
            () -> cache.fetch(d, source("c/corrupt"), BlobCache.Progress.NONE));
    assertEquals(RegistryException.Kind.DIGEST_MISMATCH, e.kind());
    byte[] flipped = bytes.clone();
    flipped[0] ^= 0x5a;
    assertEquals(
        "blob "
            + d.digest()
            + " of "
            + front.host()
            + "/c/corrupt has the wrong content: expected "
            + d.digest()
            + ", got "
            + Digest.sha256(flipped),
        e.getMessage());
    assertFalse(cache.contains(d.digest()));
    assertFalse(
        Files.exists(cache.partialPath(d.digest())), "untrustworthy bytes are not kept for resume");
  }

  @Test
  void aBlobCorruptedInTheRegistrysStorageIsCaughtToo() throws Exception {
    byte[] bytes = random(50_000, 3);
    Descriptor d = push("c/ondisk", bytes);
    Files.write(reg.blobFile(d.digest()), random(50_000, 4));
    try {
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () -> cache.fetch(d, source("c/ondisk"), BlobCache.Progress.NONE));
      assertEquals(RegistryException.Kind.DIGEST_MISMATCH, e.kind());
      assertFalse(cache.contains(d.digest()));
    } finally {
      Files.write(reg.blobFile(d.digest()), bytes);
    }
  }

  @Test
  void aDescriptorClaimingMoreThanTheDiskHoldsIsRefusedBeforeAnyByte() {
    byte[] bytes = random(1000, 7);
    Descriptor real = push("c/huge", bytes);
    Descriptor claimed = new Descriptor(real.mediaType(), real.digest(), 1L << 40);
    RegistryException e =
        assertThrows(
            RegistryException.class,
            () -> cache.fetch(claimed, source("c/huge"), BlobCache.Progress.NONE));
    assertEquals(RegistryException.Kind.NO_SPACE, e.kind());
    assertTrue(
        e.getMessage().contains("is 1099511627776 bytes (its descriptor says)"), e.getMessage());
    assertFalse(Files.exists(cache.partialPath(real.digest())), "not a byte written");
    assertEquals(
        512L << 20,
        dev.banger.image.flatten.DiskReserve.DEFAULT.of(10L << 30),
        "5 % of a small disk");
    assertEquals(
        2L << 30,
        dev.banger.image.flatten.DiskReserve.DEFAULT.of(1000L << 30),
        "at most 2 GiB of a big one");
  }

  @Test
  void aCompleteBlobShorterThanItsDescriptorIsAProtocolErrorNotAResumableOne() {
    byte[] bytes = random(300_000, 6);
    Descriptor real = push("c/short", bytes);
    Descriptor claimed = new Descriptor(real.mediaType(), real.digest(), 400_000);
    for (int attempt = 0; attempt < 2; attempt++) {
      RegistryException e =
          assertThrows(
              RegistryException.class,
              () -> cache.fetch(claimed, source("c/short"), BlobCache.Progress.NONE));
      assertEquals(RegistryException.Kind.PROTOCOL, e.kind(), "attempt " + attempt);
      assertTrue(
          e.getMessage().contains("is 300000 bytes, not the 400000 its descriptor claims"),
          e.getMessage());
      assertFalse(Files.exists(cache.partialPath(real.digest())), "nothing kept to resume");
    }
  }

  @Test
  void aBlobLongerThanItsDescriptorIsRefusedWithoutReadingItAll() {
    byte[] bytes = random(300_000, 5);
    Descriptor real = push("c/long", bytes);
    Descriptor claimed = new Descriptor(real.mediaType(), real.digest(), 1000);
    RegistryException e =
        assertThrows(
            RegistryException.class,
            () -> cache.fetch(claimed, source("c/long"), BlobCache.Progress.NONE));
    assertEquals(RegistryException.Kind.DIGEST_MISMATCH, e.kind());
    assertTrue(e.getMessage().contains("longer than the 1000 bytes"), e.getMessage());
    assertFalse(Files.exists(cache.partialPath(real.digest())));
  }

  @Test
  void anInterruptedDownloadKeepsItsPartialFileAndResumesWithRange() throws Exception {
    byte[] bytes = random(1_000_000, 6);
    Descriptor d = push("c/resume", bytes);
    front.cutBlobOnce(d.digest(), 400_000);
    RegistryException first =
        assertThrows(
            RegistryException.class,
            () -> cache.fetch(d, source("c/resume"), BlobCache.Progress.NONE));
    assertEquals(RegistryException.Kind.NETWORK, first.kind(), first.getMessage());
    assertTrue(first.getMessage().contains("the next pull resumes it"), first.getMessage());
    Path partial = cache.partialPath(d.digest());
    long kept = Files.size(partial);
    assertTrue(kept > 0 && kept <= 400_000, "kept " + kept);
    assertFalse(cache.contains(d.digest()));

    Path p = cache.fetch(d, source("c/resume"), BlobCache.Progress.NONE);
    assertArrayEquals(bytes, Files.readAllBytes(p));
    assertFalse(Files.exists(partial));
    List<String> ranges =
        front.requests().stream()
            .filter(s -> s.path().endsWith(d.digest().toString()))
            .map(TokenAuthFront.Seen::range)
            .toList();
    assertEquals(java.util.Arrays.asList(null, "bytes=" + kept + "-"), ranges);
  }

  @Test
  void aServerThatIgnoresRangeMakesTheDownloadStartOver() throws Exception {
    byte[] bytes = random(600_000, 7);
    Descriptor d = push("c/norange", bytes);
    front.cutBlobOnce(d.digest(), 200_000);
    assertThrows(
        RegistryException.class,
        () -> cache.fetch(d, source("c/norange"), BlobCache.Progress.NONE));
    assertTrue(Files.size(cache.partialPath(d.digest())) > 0);
    front.ignoreRange(true);
    Path p = cache.fetch(d, source("c/norange"), BlobCache.Progress.NONE);
    assertArrayEquals(bytes, Files.readAllBytes(p));
  }

  @Test
  void aPartialFileWithWrongBytesEndsInAMismatchAndTheNextFetchStartsClean() throws Exception {
    byte[] bytes = random(100_000, 8);
    Descriptor d = push("c/badpartial", bytes);
    Files.createDirectories(cache.partialPath(d.digest()).getParent());
    Files.write(cache.partialPath(d.digest()), random(30_000, 9));
    RegistryException e =
        assertThrows(
            RegistryException.class,
            () -> cache.fetch(d, source("c/badpartial"), BlobCache.Progress.NONE));
    assertEquals(RegistryException.Kind.DIGEST_MISMATCH, e.kind());
    assertFalse(Files.exists(cache.partialPath(d.digest())));
    assertArrayEquals(
        bytes, Files.readAllBytes(cache.fetch(d, source("c/badpartial"), BlobCache.Progress.NONE)));
  }

  @Test
  void concurrentFetchesOfOneDigestShareOneDownload() throws Exception {
    byte[] bytes = random(256 << 10, 10);
    Descriptor d = push("c/shared", bytes);
    front.slowBodies(16 << 10, Duration.ofMillis(10));
    int callers = 8;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Path>> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < callers; i++) {
        results.add(
            pool.submit(
                () -> {
                  go.await();
                  return cache.fetch(d, source("c/shared"), BlobCache.Progress.NONE);
                }));
      }
      go.countDown();
      for (Future<Path> f : results) {
        assertEquals(cache.path(d.digest()), f.get());
      }
    }
    assertEquals(1, front.blobGets(d.digest()), "one GET reached the registry");
    assertArrayEquals(bytes, Files.readAllBytes(cache.path(d.digest())));
  }

  @Test
  void pruneDeletesWhatIsNotKeptAndReportsTheBytes() throws Exception {
    Descriptor keep = push("c/prune", random(10_000, 11));
    Descriptor drop1 = push("c/prune", random(20_000, 12));
    Descriptor drop2 = push("c/prune", random(30_000, 13));
    for (Descriptor d : List.of(keep, drop1, drop2)) {
      cache.fetch(d, source("c/prune"), BlobCache.Progress.NONE);
    }
    Digest stale = Digest.sha256(new byte[] {1});
    Files.write(cache.partialPath(stale), new byte[777]);
    Path unrelated = dir.resolve("oci/blobs/sha256/README");
    Files.writeString(unrelated, "not a blob");

    assertEquals(20_000 + 30_000 + 777, cache.prune(Set.of(keep.digest())).bytesFreed());
    assertTrue(cache.contains(keep.digest()));
    assertFalse(cache.contains(drop1.digest()));
    assertFalse(cache.contains(drop2.digest()));
    assertFalse(Files.exists(cache.partialPath(stale)));
    assertTrue(Files.exists(unrelated), "files not named like blobs are left alone");
    assertEquals(0, cache.prune(Set.of(keep.digest())).bytesFreed());
    assertEquals(0, new BlobCache(dir.resolve("never-made")).prune(Set.of()).bytesFreed());
  }
}
