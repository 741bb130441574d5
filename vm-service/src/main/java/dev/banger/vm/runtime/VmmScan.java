package dev.banger.vm.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the VMM processes of this state directory from what the kernel says, not from what
 * vm-service wrote down: every VMM banger launches names its VM's run directory ({@code
 * <run>/vms/<uuid>/}) in its argv (QEMU's pid file, QMP socket and console; Firecracker's API
 * socket). So a VMM launched just before a crash, before its handles file existed, is still found,
 * and so is one whose VM record is gone. A process that is not banger's never matches: the path is
 * this state directory's own.
 */
public final class VmmScan {

  /** A live VMM process and the VM its run directory belongs to. */
  public record Found(String vmId, ProcessHandle process) {}

  /** How long a VMM may take to exit after SIGKILL before it is reported as stuck. */
  public static final Duration EXIT_WAIT = Duration.ofSeconds(10);

  private final Pattern runDirArg;

  public VmmScan(VmPaths paths) {
    this(paths.runRoot().resolve("vms").toAbsolutePath().toString());
  }

  VmmScan(String runVms) {
    this.runDirArg =
        // At the start of an argument or of a value in QEMU's key=value,... options: a longer
        // path that merely ends the same way is another state directory's.
        Pattern.compile(
            "(^|[=,])"
                + Pattern.quote(runVms + "/")
                + "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(/|$)");
  }

  /** Every VMM of this state directory the host runs now. */
  public List<Found> all() {
    List<Found> found = new ArrayList<>();
    long self = ProcessHandle.current().pid();
    ProcessHandle.allProcesses()
        .filter(p -> p.pid() != self)
        .forEach(p -> vmOf(p).ifPresent(id -> found.add(new Found(id, p))));
    return found;
  }

  /** The VMMs of one VM (normally none or one). */
  public List<ProcessHandle> of(String vmId) {
    return all().stream().filter(f -> f.vmId().equals(vmId)).map(Found::process).toList();
  }

  /**
   * Kills every VMM of {@code vmId} (SIGKILL: the guest's journal is replayed before the next
   * offline edit) and waits for each to exit.
   *
   * @return how many were stopped
   * @throws IllegalStateException when one outlives {@code wait}
   */
  public int stopAll(String vmId, Duration wait) throws InterruptedException {
    List<ProcessHandle> vmms = of(vmId);
    stop(vmms, vmId, wait);
    return vmms.size();
  }

  /**
   * SIGKILL of each VMM of {@code vmId}, then a wait of at most {@code wait} for each to exit.
   *
   * @throws IllegalStateException when one outlives {@code wait}
   */
  public static void stop(List<ProcessHandle> vmms, String vmId, Duration wait)
      throws InterruptedException {
    for (ProcessHandle p : vmms) {
      p.destroyForcibly();
    }
    for (ProcessHandle p : vmms) {
      try {
        p.onExit().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        if (p.isAlive()) {
          throw new IllegalStateException(
              "VMM pid " + p.pid() + " of VM " + vmId + " did not exit after SIGKILL");
        }
      }
    }
  }

  Optional<String> vmOf(ProcessHandle p) {
    return p.info().arguments().flatMap(this::vmOfArgs);
  }

  /** The VM whose run directory one of {@code args} names, if any. */
  Optional<String> vmOfArgs(String[] args) {
    for (String a : args) {
      Matcher m = runDirArg.matcher(a);
      if (m.find()) {
        return Optional.of(m.group(2));
      }
    }
    return Optional.empty();
  }
}
