package dev.banger.vm.driver;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What every driver's {@link RunningVm} shares: the VMM is a process known by its {@link
 * VmmHandle}, and it is signalled or waited for only while it is still the very process launched (a
 * reused pid is never touched).
 */
public abstract class VmmProcess implements RunningVm {

  protected final VmmHandle handle;

  protected VmmProcess(VmmHandle handle) {
    this.handle = handle;
  }

  @Override
  public long pid() {
    return handle.pid();
  }

  @Override
  public VmmHandle handle() {
    return handle;
  }

  @Override
  public boolean alive() {
    return process().isPresent();
  }

  /** SIGKILL of the VMM, if it is still ours. */
  @Override
  public void kill() {
    process().ifPresent(ProcessHandle::destroyForcibly);
  }

  @Override
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    Optional<ProcessHandle> h = process();
    if (h.isEmpty()) {
      return true;
    }
    try {
      h.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return !h.get().isAlive();
    }
  }

  /** The process, only while it is still the one launched. */
  protected Optional<ProcessHandle> process() {
    return handle.liveProcess();
  }
}
