package dev.banger.bangerd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The highest resident set of a process while something runs, sampled every 100 ms: how the
 * end-to-end tests show that vm-service holds a window of a stream, not the stream. RSS bounds heap
 * growth from above (a heap that grows is touched), and also counts native buffers.
 */
final class RssPeak implements AutoCloseable {

  private final long pid;
  final long beforeKib;
  private final AtomicLong peakKib;
  private final AtomicBoolean sampling = new AtomicBoolean(true);
  private final Thread sampler;

  RssPeak(long pid) {
    this.pid = pid;
    this.beforeKib = rssKib(pid);
    this.peakKib = new AtomicLong(beforeKib);
    this.sampler =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (sampling.get()) {
                    peakKib.accumulateAndGet(rssKib(pid), Math::max);
                    try {
                      Thread.sleep(100);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
  }

  long peakKib() {
    return peakKib.get();
  }

  long grewMib() {
    return (peakKib.get() - beforeKib) / 1024;
  }

  String describe() {
    return beforeKib / 1024
        + " MiB -> peak "
        + peakKib.get() / 1024
        + " MiB (+"
        + grewMib()
        + " MiB)";
  }

  @Override
  public void close() throws InterruptedException {
    sampling.set(false);
    sampler.join();
    peakKib.accumulateAndGet(rssKib(pid), Math::max);
  }

  static long rssKib(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return 0;
  }
}
