package dev.banger.bangerd;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.process.RunningProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The assembled dist's {@code bin/bangerd --all}, started for an end-to-end test. */
final class DistBangerd {

  static final Path DIST = Path.of(System.getProperty("banger.dist", "target/dist"));

  private DistBangerd() {}

  /**
   * Starts it on {@code state} with {@code config}, logging to {@code log}; returns once it serves.
   */
  static RunningProcess startAll(HostCommandRunner run, Path state, Path config, Path log)
      throws Exception {
    RunningProcess p =
        run.start(
            Command.of(
                    DIST.resolve("bin/bangerd").toString(),
                    "--all",
                    "--state-dir",
                    state.toString(),
                    "--config",
                    config.toString())
                .build(),
            log);
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!Files.readString(log).contains("bangerd: serving")) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("bangerd did not come up; its log:\n" + Files.readString(log));
      }
      Thread.sleep(50);
    }
    return p;
  }
}
