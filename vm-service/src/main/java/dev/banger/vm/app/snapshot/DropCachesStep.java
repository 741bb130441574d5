package dev.banger.vm.app.snapshot;

import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.steps.StepContext;
import dev.banger.vm.store.VmState;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks a running guest to write back and drop its clean page cache before the pause. Its kernel
 * zeroes freed memory ({@code init_on_free=1}, which banger boots with) and QEMU saves a zero page
 * as a flag, so the saved state, and every restore of it, carries only the memory the guest still
 * uses. Best effort: a guest that cannot be asked (a paused one, no SSH) is snapshotted as it is.
 * Nothing to undo: the cache refills on use.
 */
final class DropCachesStep implements SnapshotStep {

  static final String NAME = "drop-caches";
  static final String COMMAND = "sync && echo 3 > /proc/sys/vm/drop_caches";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(DropCachesStep.class);
  private final GuestAccess guest;

  DropCachesStep(GuestAccess guest) {
    this.guest = guest;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(SnapshotState s, StepContext ctx) {
    if (s.vm().state() != VmState.RUNNING || s.vm().ipAddress() == null) {
      return;
    }
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      int status =
          guest.run(
              s.vm().ipAddress(),
              s.vm().name(),
              COMMAND,
              TIMEOUT,
              null,
              OutputStream.nullOutputStream(),
              err,
              ctx::cancelled);
      if (status != 0) {
        LOG.warn(
            "VM {}: dropping the page cache before the snapshot failed (exit {}): {}",
            s.vm().name(),
            status,
            err.toString(StandardCharsets.UTF_8).strip());
      }
    } catch (java.util.concurrent.CancellationException e) {
      throw e;
    } catch (Exception e) {
      LOG.warn(
          "VM {}: the page cache was not dropped before the snapshot: {}",
          s.vm().name(),
          e.getMessage());
    }
  }
}
