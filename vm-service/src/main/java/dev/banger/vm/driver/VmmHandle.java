package dev.banger.vm.driver;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * What identifies a launched VMM process across vm-service restarts; vm-service keeps it in the
 * VM's {@code handles.json}. A bare pid is never trusted: pids are reused, so adoption also checks
 * the process's start time and that its command line names the VM's run directory.
 *
 * @param driver "qemu" or "firecracker"
 * @param pid the VMM process
 * @param started the process's start time as the kernel reports it ({@code /proc/<pid>/stat})
 * @param controlSocket QMP socket (QEMU) or API socket (Firecracker)
 * @param runDir the VM's runtime directory, which appears in the VMM's command line
 */
public record VmmHandle(String driver, long pid, Instant started, Path controlSocket, Path runDir) {

  /** The handle of a live process, read now; empty when {@code pid} is not running. */
  public static Optional<VmmHandle> of(String driver, long pid, Path controlSocket, Path runDir) {
    return ProcessHandle.of(pid)
        .flatMap(h -> h.info().startInstant())
        .map(t -> new VmmHandle(driver, pid, t, controlSocket, runDir));
  }

  /**
   * How far two readings of one process's start may differ. The JDK turns the kernel's start tick
   * into an Instant with the boot time of /proc/stat's btime, which the kernel derives from the
   * wall clock at each read: a JVM started later (vm-service after a restart) can see boot, and so
   * every start, a second off. The run directory in the arguments keeps a reused pid out.
   */
  static final java.time.Duration START_SLACK = java.time.Duration.ofSeconds(2);

  /**
   * The process this handle names, if it is still that very process: alive, started at the recorded
   * instant (within {@link #START_SLACK}), and running with this VM's run directory in its
   * arguments.
   */
  public Optional<ProcessHandle> liveProcess() {
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(
            h -> {
              ProcessHandle.Info info = h.info();
              boolean sameStart =
                  info.startInstant()
                      .map(
                          s ->
                              java.time.Duration.between(s, started).abs().compareTo(START_SLACK)
                                  <= 0)
                      .orElse(false);
              boolean ours =
                  info.arguments()
                      .map(
                          args ->
                              java.util.Arrays.stream(args)
                                  .anyMatch(a -> a.contains(runDir.toString())))
                      .orElse(false);
              return sameStart && ours;
            });
  }
}
