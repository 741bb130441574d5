package dev.banger.image.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.testing.LoopbackOnly;
import dev.banger.image.testing.TestRegistry;
import dev.banger.image.testing.TokenAuthFront;
import java.io.FilterInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parallel layer downloads: bounded, throttled progress, cancellation that leaves only partials.
 */
class LayerFetcherTest {

  @TempDir static Path regDir;
  static TestRegistry reg;
  static final LoopbackOnly NET = new LoopbackOnly();
  static RegistryClient client;
  static final List<byte[]> LAYERS = new ArrayList<>();

  @TempDir Path dir;
  TokenAuthFront front;
  BlobCache cache;
  ResolvedImage image;

  @BeforeAll
  static void start() {
    reg = TestRegistry.start(regDir);
    client = RegistryClient.builder().proxySelector(NET).build();
    Random r = new Random(42);
    for (int i = 0; i < 5; i++) {
      byte[] b = new byte[300_000 + i * 1000];
      r.nextBytes(b);
      LAYERS.add(b);
    }
    reg.pushImage("fetch/img", "v1", LAYERS, MediaTypes.OCI_LAYER_TAR);
  }

  @AfterAll
  static void stop() {
    client.close();
    reg.close();
    assertEquals(List.of(), NET.outsideAttempts());
  }

  @BeforeEach
  void setUp() throws Exception {
    front = TokenAuthFront.over(reg).anonymous().start();
    cache = new BlobCache(dir.resolve("oci"));
    image = client.resolve(ImageReference.parse(front.host() + "/fetch/img:v1"));
  }

  @AfterEach
  void tearDown() {
    front.close();
  }

  record Call(int index, int count, Digest digest, long done, long total, long nanos) {}

  /** Wraps a source to count how many blob bodies are open at once. */
  static final class Counting implements BlobSource {
    final BlobSource inner;
    final AtomicInteger open = new AtomicInteger();
    final AtomicInteger max = new AtomicInteger();

    Counting(BlobSource inner) {
      this.inner = inner;
    }

    @Override
    public Body open(Descriptor blob, long offset) throws RegistryException {
      Body b = inner.open(blob, offset);
      max.accumulateAndGet(open.incrementAndGet(), Math::max);
      return new Body(
          new FilterInputStream(b.stream()) {
            @Override
            public void close() throws IOException {
              super.close();
              open.decrementAndGet();
            }
          },
          b.start());
    }

    @Override
    public String describe() {
      return inner.describe();
    }
  }

  @Test
  void layersDownloadInParallelBoundedWithThrottledSerialisedProgress() throws Exception {
    front.slowBodies(16 << 10, Duration.ofMillis(8));
    List<Call> calls = new CopyOnWriteArrayList<>();
    AtomicInteger inListener = new AtomicInteger();
    AtomicBoolean overlapped = new AtomicBoolean();
    LayerFetcher.Listener listener =
        (index, count, digest, done, total) -> {
          if (inListener.incrementAndGet() > 1) {
            overlapped.set(true);
          }
          calls.add(new Call(index, count, digest, done, total, System.nanoTime()));
          inListener.decrementAndGet();
        };
    Counting source = new Counting(client.blobs(image.ref()));
    LayerFetcher.FetchedImage f = new LayerFetcher(cache, 3).fetch(image, source, listener);

    for (int i = 0; i < LAYERS.size(); i++) {
      assertArrayEquals(LAYERS.get(i), Files.readAllBytes(f.layers().get(i)));
    }
    assertFalse(overlapped.get(), "listener calls never overlap");
    assertTrue(source.max.get() <= 3, "at most 3 downloads at once, saw " + source.max.get());
    assertTrue(source.max.get() >= 2, "downloads ran in parallel, saw " + source.max.get());
    for (int i = 0; i < LAYERS.size(); i++) {
      int index = i;
      List<Call> mine = calls.stream().filter(c -> c.index() == index).toList();
      Call last = mine.getLast();
      assertEquals(
          new Call(
              i,
              5,
              image.layers().get(i).digest(),
              LAYERS.get(i).length,
              LAYERS.get(i).length,
              last.nanos()),
          last);
      assertEquals(
          1,
          mine.stream().filter(c -> c.done() == c.total()).count(),
          "one completion call: " + mine);
      assertTrue(mine.size() >= 2, "a slow layer reports progress before it completes: " + mine);
      for (int k = 1; k < mine.size(); k++) {
        assertTrue(mine.get(k).done() >= mine.get(k - 1).done(), "progress never goes back");
        if (k < mine.size() - 1) {
          long gapMs = TimeUnit.NANOSECONDS.toMillis(mine.get(k).nanos() - mine.get(k - 1).nanos());
          assertTrue(
              gapMs >= 90,
              "progress calls are throttled to ~100 ms, saw a gap of " + gapMs + " ms");
        }
      }
    }

    // A second fetch finds everything cached: one completion call per layer, no downloads.
    calls.clear();
    int gets = front.blobGets(image.layers().getFirst().digest());
    new LayerFetcher(cache, 3).fetch(image, source, listener);
    assertEquals(5, calls.size());
    assertTrue(calls.stream().allMatch(c -> c.done() == c.total()));
    assertEquals(gets, front.blobGets(image.layers().getFirst().digest()));
  }

  @Test
  void cancellingByFlagStopsEveryDownloadAndLeavesOnlyPartials() throws Exception {
    front.slowBodies(8 << 10, Duration.ofMillis(30));
    AtomicBoolean cancel = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(1);
    LayerFetcher.Listener listener =
        (index, count, digest, done, total) -> {
          if (done > 0) {
            started.countDown();
          }
        };
    CompletableFuture<RegistryException> outcome =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                new LayerFetcher(cache, 3)
                    .fetch(image, client.blobs(image.ref()), listener, cancel::get);
                return null;
              } catch (RegistryException e) {
                return e;
              }
            });
    assertTrue(started.await(10, TimeUnit.SECONDS));
    cancel.set(true);
    RegistryException e = outcome.get(10, TimeUnit.SECONDS);
    assertEquals(RegistryException.Kind.CANCELLED, e.kind());
    assertEquals("the pull of " + image.ref() + " was cancelled", e.getMessage());
    assertOnlyPartialsAndNothingStillWriting(3);
    resumesAfterwards();
  }

  @Test
  void interruptingTheCallerCancelsToo() throws Exception {
    front.slowBodies(8 << 10, Duration.ofMillis(30));
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean flagKept = new AtomicBoolean();
    List<RegistryException> failures = new CopyOnWriteArrayList<>();
    Thread t =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    new LayerFetcher(cache, 3)
                        .fetch(
                            image,
                            client.blobs(image.ref()),
                            (index, count, digest, done, total) -> started.countDown());
                  } catch (RegistryException e) {
                    failures.add(e);
                    flagKept.set(Thread.currentThread().isInterrupted());
                  }
                });
    assertTrue(started.await(10, TimeUnit.SECONDS));
    Thread.sleep(200);
    t.interrupt();
    assertTrue(t.join(Duration.ofSeconds(10)));
    assertEquals(RegistryException.Kind.CANCELLED, failures.getFirst().kind());
    assertTrue(flagKept.get(), "the interrupt flag stays set for the caller's caller");
    assertOnlyPartialsAndNothingStillWriting(3);
  }

  @Test
  void theFirstFailingLayerStopsTheOthersWithoutWaitingForThem() throws Exception {
    // Slow enough (2 KiB per 30 ms: over 4 s per layer) that waiting for layers 0 and 1 cannot hide
    // under a loaded
    // machine's start-up noise, which once took a 1 s bound at a faster pace.
    front.slowBodies(2 << 10, Duration.ofMillis(30));
    front.cutBlobOnce(image.layers().get(2).digest(), 10_000);
    long t0 = System.nanoTime();
    RegistryException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            RegistryException.class,
            () ->
                new LayerFetcher(cache, 3)
                    .fetch(image, client.blobs(image.ref()), LayerFetcher.Listener.NONE));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(RegistryException.Kind.NETWORK, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(image.layers().get(2).digest().toString()), e.getMessage());
    // Layers 0 and 1 need over 4 s at this pace; the failure of layer 2 (after 10 kB) must not wait
    // for them.
    assertTrue(ms < 3000, "failed after " + ms + " ms");
    // Layer 2's slot freed when it failed, so layer 3 may have started before the stop.
    assertOnlyPartialsAndNothingStillWriting(4);
  }

  private void assertOnlyPartialsAndNothingStillWriting(int maxPartials) throws Exception {
    List<Long> sizes = new ArrayList<>();
    int partials = 0;
    for (Descriptor l : image.layers()) {
      assertFalse(cache.contains(l.digest()), "no layer finished");
      Path p = cache.partialPath(l.digest());
      sizes.add(Files.exists(p) ? Files.size(p) : -1);
      partials += Files.exists(p) ? 1 : 0;
    }
    assertTrue(
        partials >= 1 && partials <= maxPartials,
        "only the layers that had started have partial files: " + sizes);
    Thread.sleep(300);
    for (int i = 0; i < image.layers().size(); i++) {
      Path p = cache.partialPath(image.layers().get(i).digest());
      assertEquals(
          sizes.get(i).longValue(),
          Files.exists(p) ? Files.size(p) : -1,
          "nothing writes after fetch returned");
    }
    try (var files = Files.list(cache.path(image.config().digest()).getParent())) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      String config = image.config().digest().hex();
      assertTrue(
          names.stream().allMatch(n -> n.endsWith(".partial") || n.equals(config)),
          names.toString());
    }
  }

  private void resumesAfterwards() throws Exception {
    front.slowBodies(0, Duration.ZERO);
    LayerFetcher.FetchedImage f =
        new LayerFetcher(cache, 3)
            .fetch(image, client.blobs(image.ref()), LayerFetcher.Listener.NONE);
    for (int i = 0; i < LAYERS.size(); i++) {
      assertArrayEquals(LAYERS.get(i), Files.readAllBytes(f.layers().get(i)));
    }
    assertTrue(
        front.requests().stream().anyMatch(s -> s.range() != null), "partials resumed with Range");
  }
}
