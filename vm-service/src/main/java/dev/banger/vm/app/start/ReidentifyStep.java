package dev.banger.vm.app.start;

import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.steps.StepContext;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

/**
 * Waits until the restored guest answers SSH at the VM's own address, then gives it its own name,
 * the host's time and fresh randomness ({@link CloneIdentity}). The VM is ready when this returns.
 * Nothing to undo of its own.
 */
public final class ReidentifyStep implements StartStep {

  public static final String NAME = "re-identify";
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
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
    guest.awaitReady(ip, name, readyTimeout, ctx::cancelled);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        guest.run(
            ip,
            name,
            CloneIdentity.COMMAND,
            COMMAND_TIMEOUT,
            // The time is taken as the bytes go out, not when the step began.
            stdin -> stdin.write(CloneIdentity.input(name, clock.instant())),
            OutputStream.nullOutputStream(),
            err,
            ctx::cancelled);
    if (status != 0) {
      throw new IllegalStateException(
          "the restored guest refused its new identity (exit "
              + status
              + "): "
              + err.toString(StandardCharsets.UTF_8).strip());
    }
  }
}
