package dev.banger.vm.fakes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real process standing in for a VMM: it sleeps, and names a VM's run directory in its argv as
 * QEMU does ({@code -pidfile <run>/vms/<id>/qemu.pid}), which is what banger finds VMMs by.
 */
public final class StandInVmm implements AutoCloseable {

  public final Process process;

  private StandInVmm(Process process) {
    this.process = process;
  }

  public static StandInVmm start(Path runDir) throws Exception {
    Files.createDirectories(runDir);
    Process p =
        new ProcessBuilder(
                "python3",
                "-c",
                "import time; time.sleep(600)",
                runDir.resolve("qemu.pid").toString())
            .start();
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
