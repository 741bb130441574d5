package dev.banger.vm.app.start;

import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.steps.StepContext;
import java.time.Clock;
import java.time.Duration;

/**
 * Gives the restored guest its own name, the host's time and fresh randomness ({@link
 * CloneIdentity}) as soon as it answers SSH at the VM's own address; a failure (exit status and
 * stderr) is retried until the ready timeout. The VM is ready when this returns. Nothing to undo of
 * its own.
 */
public final class ReidentifyStep implements StartStep {

  public static final String NAME = "re-identify";
  private final GuestAccess guest;
  private final Duration readyTimeout;
  private final Clock clock;

  public ReidentifyStep(GuestAccess guest, Duration readyTimeout, Clock clock) {
    this.guest = guest;
    this.readyTimeout = readyTimeout;
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(StartState s, StepContext ctx) throws Exception {
    String ip = s.lease().ip();
    String name = s.vm().name();
    // The readiness probe is the re-identify itself (it is idempotent): one SSH handshake.
    guest.awaitReadyRunning(
        ip,
        name,
        readyTimeout,
        ctx::cancelled,
        CloneIdentity.COMMAND,
        // The time is taken as the bytes go out, not when the step began.
        stdin -> stdin.write(CloneIdentity.input(name, clock.instant())));
  }
}
