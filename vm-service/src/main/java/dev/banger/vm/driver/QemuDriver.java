package dev.banger.vm.driver;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Launches QEMU {@code -M microvm} (see {@link QemuArgs}) through the command runner: QEMU
 * daemonizes once its devices are set up, so a refused configuration (a missing disk, a tap it
 * cannot open) comes back as QEMU's own stderr and exit status, and success leaves a pid file and a
 * QMP socket in the VM's run directory.
 */
public final class QemuDriver implements VmmDriver {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(QemuDriver.class);

  /** Device setup takes well under a second; a bound keeps a wedged QEMU from holding a start. */
  static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(30);

  static final Duration QMP_TIMEOUT = Duration.ofSeconds(5);

  /** Saving or loading a guest's memory: a few seconds per GiB here; a bound for a wedged QEMU. */
  static final Duration STATE_TIMEOUT = Duration.ofMinutes(5);

  /** Picks the accelerator for a kernel: fixed by config, or the {@link KvmProbe}'s verdict. */
  @FunctionalInterface
  public interface AccelChooser {
    Accelerator choose(Path kernel) throws DriverException;
  }

  private final CommandRunner runner;
  private final AccelChooser accel;
  private final long tscKhz;

  public QemuDriver(CommandRunner runner, Accelerator accel) {
    this(runner, kernel -> accel);
  }

  public QemuDriver(CommandRunner runner, AccelChooser accel) {
    this(runner, accel, HostTsc.khz());
  }

  QemuDriver(CommandRunner runner, AccelChooser accel, long tscKhz) {
    this.runner = runner;
    this.accel = accel;
    this.tscKhz = tscKhz;
  }

  @Override
  public String name() {
    return "qemu";
  }

  @Override
  public RunningVm launch(LaunchSpec spec) throws DriverException {
    return start(spec, List.of());
  }

  /**
   * QEMU with the same devices as the saved VM, waiting for its state ({@code -incoming defer}),
   * then fed the file; a QEMU that fails to load it is killed.
   */
  @Override
  public RunningVm restore(LaunchSpec spec, Path directory) throws DriverException {
    Path state = directory.resolve(QemuStateTransfer.FILE);
    requireFile("saved state", state);
    long t0 = System.nanoTime();
    QemuVm vm = start(spec, List.of("-incoming", "defer"));
    long started = System.nanoTime();
    try {
      QemuStateTransfer.Loaded l =
          QemuStateTransfer.load(
              QemuArgs.qmpSocket(spec),
              spec.runDir(),
              state,
              vm.process()
                  .orElseThrow(() -> new DriverException("QEMU of VM " + spec.vmId() + " exited")),
              STATE_TIMEOUT,
              QMP_TIMEOUT);
      LOG.info(
          "VM {} restored: QEMU up in {} ms, state fed in {} ms, loaded {} ms later",
          spec.vmId(),
          (started - t0) / 1_000_000,
          l.feedMillis(),
          l.settleMillis());
      return vm;
    } catch (DriverException | RuntimeException e) {
      vm.kill();
      try {
        vm.awaitExit(Duration.ofSeconds(10));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      throw e;
    }
  }

  private QemuVm start(LaunchSpec spec, List<String> extra) throws DriverException {
    requireFile("kernel", spec.kernel());
    if (spec.initrd().isPresent()) {
      requireFile("initrd", spec.initrd().get());
    }
    requireFile("root disk", spec.rootDisk());
    if (spec.workDisk().isPresent()) {
      requireFile("work disk", spec.workDisk().get());
    }
    List<String> argv;
    Accelerator a = accel.choose(spec.kernel());
    try {
      argv = new java.util.ArrayList<>(QemuArgs.build(spec, a, tscKhz));
      argv.addAll(extra);
      Files.createDirectories(
          spec.runDir(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.deleteIfExists(QemuArgs.pidFile(spec));
      Files.deleteIfExists(QemuArgs.qmpSocket(spec));
    } catch (IllegalArgumentException | IOException e) {
      throw new DriverException("cannot prepare VM " + spec.vmId() + ": " + e.getMessage(), e);
    }
    try {
      runner.check(Command.of(argv).timeout(LAUNCH_TIMEOUT).build());
    } catch (CommandFailedException e) {
      killFromPidFile(spec); // a timed-out QEMU may have daemonized anyway
      throw new DriverException("QEMU refused to start VM " + spec.vmId() + ": " + qemuSays(e), e);
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(QemuArgs.pidFile(spec)).strip());
    } catch (IOException | NumberFormatException e) {
      throw new DriverException(
          "QEMU started VM " + spec.vmId() + " but wrote no usable pid file", e);
    }
    VmmHandle handle =
        VmmHandle.of(name(), pid, QemuArgs.qmpSocket(spec), spec.runDir())
            .orElseThrow(
                () ->
                    new DriverException(
                        "QEMU of VM "
                            + spec.vmId()
                            + " exited right after starting; see "
                            + spec.consoleLog()));
    return new QemuVm(handle, QMP_TIMEOUT);
  }

  @Override
  public Optional<RunningVm> adopt(VmmHandle handle) {
    if (!name().equals(handle.driver()) || handle.liveProcess().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new QemuVm(handle, QMP_TIMEOUT));
  }

  private static void requireFile(String what, Path p) throws DriverException {
    if (!Files.isRegularFile(p)) {
      throw new DriverException(what + " " + p + " does not exist or is not a regular file");
    }
    if (!Files.isReadable(p)) {
      throw new DriverException(
          what + " " + p + " is not readable by " + System.getProperty("user.name"));
    }
  }

  private static void killFromPidFile(LaunchSpec spec) {
    try {
      long pid = Long.parseLong(Files.readString(QemuArgs.pidFile(spec)).strip());
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    } catch (IOException | NumberFormatException e) {
      // no pid file: nothing daemonized
    }
  }

  /**
   * QEMU's stderr carries the reason ("Could not open 'x': Permission denied"); keep its last line.
   */
  private static String qemuSays(CommandFailedException e) {
    if (e.result() != null) {
      String err = e.result().stderrText().strip();
      if (!err.isEmpty()) {
        String[] lines = err.split("\n");
        return lines[lines.length - 1];
      }
    }
    return e.getMessage();
  }
}
