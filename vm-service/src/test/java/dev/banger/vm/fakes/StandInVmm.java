package dev.banger.vm.fakes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real process standing in for a VMM: it waits forever, and names a VM's run directory in its
 * argv as QEMU does ({@code -pidfile <run>/vms/<id>/qemu.pid}), which is what banger finds VMMs by.
 *
 * <p>It is {@code tail -f} run by absolute path, one process that execs once: an interpreter found
 * on PATH may be a shim (pyenv's is a chain of bash processes that exec and fork with the same
 * argv), and a scan that lands mid-exec reads no argv, or finds the forked copy as a second VMM.
 */
public final class StandInVmm implements AutoCloseable {

  private static final String TAIL = "/usr/bin/tail";

  public final Process process;

  private StandInVmm(Process process) {
    this.process = process;
  }

  public static StandInVmm start(Path runDir) throws Exception {
    Files.createDirectories(runDir);
    Path pidFile = runDir.resolve("qemu.pid");
    Files.writeString(pidFile, "");
    Process p = new ProcessBuilder(TAIL, "-f", pidFile.toString()).start();
    // The argv is the kernel's once the interpreter has exec'd; wait until it says so.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (p.info()
        .arguments()
        .map(a -> !String.join(" ", a).contains(runDir.toString()))
        .orElse(true)) {
      if (System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IllegalStateException("stand-in VMM never showed its argv");
      }
      Thread.sleep(20);
    }
    return new StandInVmm(p);
  }

  public long pid() {
    return process.pid();
  }

  @Override
  public void close() throws Exception {
    process.destroyForcibly().waitFor();
  }
}
