package dev.banger.cli.vm;

import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.CliErrors;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ctrl-C while {@code vm run} makes and boots a VM: undo it, as if never asked, and say so in one
 * line. The VM is deleted with force, which makes vm-service cancel the start under way (its undos
 * run) instead of waiting for the boot; with {@code --keep-failed} it is kept in state error for
 * inspection. Installed as a shutdown hook (SIGINT, SIGTERM) only for the time before the guest's
 * command runs; after that, Ctrl-C is the guest's.
 */
final class BootInterrupt {

  static final long DELETE_SECONDS = 60;
  private final Services services;
  private final PrintWriter err;
  private final boolean keepFailed;
  private final ProgressPrinter progress;
  private final AtomicReference<Vm> made = new AtomicReference<>();
  private final java.util.concurrent.CountDownLatch recorded =
      new java.util.concurrent.CountDownLatch(1);
  private final Thread hook;
  private volatile boolean fired;

  private BootInterrupt(
      Services services, PrintWriter err, boolean keepFailed, ProgressPrinter progress) {
    this.services = services;
    this.err = err;
    this.keepFailed = keepFailed;
    this.progress = progress;
    this.hook = new Thread(this::interrupted, "vm-run-interrupt");
  }

  static BootInterrupt install(
      Services services, PrintWriter err, boolean keepFailed, ProgressPrinter progress) {
    BootInterrupt b = new BootInterrupt(services, err, keepFailed, progress);
    Runtime.getRuntime().addShutdownHook(b.hook);
    return b;
  }

  /** The VM this run made: Ctrl-C from now on undoes it. */
  void made(Vm vm) {
    made.set(vm);
    recorded.countDown();
  }

  /** The boot is over (ready or failed on its own): Ctrl-C no longer undoes anything. */
  void remove() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already exiting: the hook runs or ran
    }
  }

  /**
   * Called by the command when a call of the boot fails: when that failure is this hook's own doing
   * (Ctrl-C, then the forced delete cancelling the start), the command must neither report it nor
   * close the channels the hook is using; it waits here until the JVM, done with its hooks, halts.
   */
  void waitIfFired() {
    if (!fired) {
      return;
    }
    while (true) {
      try {
        Thread.sleep(Long.MAX_VALUE);
      } catch (InterruptedException e) {
        // keep waiting: the JVM halts once the hook is done
      }
    }
  }

  private void interrupted() {
    fired = true;
    // The progress line stops ticking and ends where it is; "^C" is on it already.
    if (!progress.interrupt()) {
      err.println();
    }
    try {
      // A Ctrl-C during the (millisecond) record call: let it return, so its VM is undone too.
      recorded.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Vm vm = made.get();
    if (vm == null) {
      err.println("banger: cancelled before a VM was recorded; nothing was made");
    } else if (keepFailed) {
      err.println(
          "banger: cancelled; vm \""
              + vm.getName()
              + "\" is kept for inspection (--keep-failed):"
              + " 'banger vm logs "
              + vm.getName()
              + "', then 'banger vm delete "
              + vm.getName()
              + "'");
    } else {
      try {
        services
            .vm()
            .withDeadlineAfter(DELETE_SECONDS, TimeUnit.SECONDS)
            .deleteVm(
                DeleteVmRequest.newBuilder()
                    .setVm(vm.getId())
                    .setForce(true)
                    .setRequestId(UUID.randomUUID().toString())
                    .build());
        err.println(
            "banger: cancelled; vm \""
                + vm.getName()
                + "\" rolled back and deleted, nothing left behind");
      } catch (StatusRuntimeException e) {
        err.println(
            "banger: cancelled; vm \""
                + vm.getName()
                + "\" could not be deleted ("
                + CliErrors.of(e).getMessage()
                + "): 'banger vm delete -f "
                + vm.getName()
                + "'");
      }
    }
    err.flush();
  }
}
