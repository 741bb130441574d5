package dev.banger.vm.app.start;

import dev.banger.kit.text.Printable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a booting guest's SSH and restarts its VMM once when the boot is stuck, judged by what
 * the guest prints on its serial console:
 *
 * <ul>
 *   <li>a kernel report of a stuck CPU (soft lockup, RCU stall) stops the boot at once: under TCG
 *       with as many vCPUs as host cores such a guest was seen to stay stuck for the whole boot
 *       timeout, and the same disks boot on a second try;
 *   <li>silence for {@link Settings#silence()} before the guest reached a login prompt (a kernel
 *       spinning early in boot, seen here stopped at "Loading compiled-in X.509 certificates").
 *       After a login prompt, silence is an idle guest, never a stall.
 * </ul>
 *
 * A boot that keeps printing is never cut short. The restart is logged, and a boot that then still
 * fails says it was restarted and why.
 */
public final class BootWatch {

  private static final Logger LOG = LoggerFactory.getLogger(BootWatch.class);

  /** Kernel messages of a vCPU that stopped making progress. */
  static final List<String> STUCK =
      List.of("soft lockup - CPU#", "self-detected stall", "detected stalls on CPUs");

  /** A getty's prompt: the guest finished booting. */
  static final String BOOTED = " login: ";

  /** How much of the console's new output one look reads; markers sit near the end. */
  static final int READ_MAX = 64 * 1024;

  /**
   * @param silence how long a console may print nothing before the login prompt
   */
  public record Settings(Duration silence) {
    public static final Settings DEFAULT = new Settings(Duration.ofSeconds(90));
  }

  /** The guest's serial console, as the VMM writes it. */
  public interface Console {
    long size();

    /** Up to {@code max} bytes from {@code from}, decoded leniently. */
    String read(long from, int max) throws IOException;

    static Console file(Path p) {
      return new Console() {
        @Override
        public long size() {
          return p.toFile().length();
        }

        @Override
        public String read(long from, int max) throws IOException {
          try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            long len = Math.min(max, Math.max(0, f.length() - from));
            byte[] b = new byte[(int) len];
            f.seek(from);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
          }
        }
      };
    }
  }

  /**
   * Waits for SSH until {@code timeout}; throws CancellationException when {@code stop} turns true.
   */
  public interface Ready {
    void await(Duration timeout, BooleanSupplier stop) throws Exception;
  }

  /** Kills the stuck VMM and launches it again on the same disks and tap. */
  public interface Relaunch {
    void run() throws Exception;
  }

  /** A boot that failed after it had been restarted once; the message says why it was restarted. */
  public static final class RestartedBootFailed extends Exception {
    private static final long serialVersionUID = 1L;

    RestartedBootFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Settings settings;
  private final Console console;
  private final LongSupplier nanoTime;

  public BootWatch(Settings settings, Console console, LongSupplier nanoTime) {
    this.settings = settings;
    this.console = console;
    this.nanoTime = nanoTime;
  }

  /**
   * @return how many times the VMM was restarted (0 or 1)
   */
  public int await(
      String vm, Duration timeout, BooleanSupplier cancelled, Ready ready, Relaunch relaunch)
      throws Exception {
    long deadline = nanoTime.getAsLong() + timeout.toNanos();
    String restartedBecause = null;
    for (int restarts = 0; ; restarts++) {
      Watch w = new Watch();
      boolean watching = restarts == 0; // one restart; a second stall runs into the boot timeout
      try {
        ready.await(
            Duration.ofNanos(Math.max(1, deadline - nanoTime.getAsLong())),
            () -> cancelled.getAsBoolean() || (watching && w.stuck()));
        return restarts;
      } catch (CancellationException e) {
        if (cancelled.getAsBoolean() || w.reason == null) {
          throw e;
        }
        restartedBecause = w.reason;
        LOG.warn("VM {}: the boot is stuck ({}); restarting its VMM once", vm, w.reason);
        relaunch.run();
      } catch (Exception e) {
        if (restartedBecause == null) {
          throw e;
        }
        throw new RestartedBootFailed(
            e.getMessage() + " (the boot was restarted once because " + restartedBecause + ")", e);
      }
    }
  }

  /** One boot's console, looked at each time the readiness wait asks whether to stop. */
  private final class Watch {
    long size = -1;
    long since;
    boolean booted;
    String carry = "";
    String reason;

    boolean stuck() {
      long now = nanoTime.getAsLong();
      long bytes = console.size();
      if (bytes != size) {
        long from = Math.max(Math.max(size, 0), bytes - READ_MAX);
        size = bytes;
        since = now;
        return scan(from, bytes);
      }
      if (!booted && now - since >= settings.silence().toNanos()) {
        reason = "its console printed nothing for " + settings.silence().toSeconds() + " s";
        return true;
      }
      return false;
    }

    private boolean scan(long from, long to) {
      String text;
      try {
        text = carry + console.read(from, (int) Math.min(READ_MAX, to - from));
      } catch (IOException e) {
        return false; // the console is the VMM's file; a failed look is tried again next time
      }
      // Keep a little of the end, so a marker split between two looks is still seen.
      carry = text.substring(Math.max(0, text.length() - 128));
      booted |= text.contains(BOOTED);
      for (String line : text.split("\n")) {
        for (String marker : STUCK) {
          if (line.contains(marker)) {
            reason =
                "its console reported a stuck CPU: \"" + Printable.bare(line.strip(), 160) + "\"";
            return true;
          }
        }
      }
      return false;
    }
  }
}
