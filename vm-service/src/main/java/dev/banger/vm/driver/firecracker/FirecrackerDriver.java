package dev.banger.vm.driver.firecracker;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.process.RunningProcess;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.driver.LaunchSpec;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.driver.VmmHandle;
import dev.banger.vm.driver.firecracker.FirecrackerSetup.ApiCall;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Launches Firecracker and configures it over its API socket (see {@link FirecrackerSetup} for the
 * calls). The process is started through the command runner under {@code setsid}, in a session of
 * its own, with stdout and stderr (the guest's serial console, and Firecracker's own words until
 * the logger is set) appended to the VM's console log; it outlives vm-service. Any failure kills it
 * and removes its socket, and the exception names the step and quotes Firecracker's {@code
 * fault_message}.
 */
public final class FirecrackerDriver implements VmmDriver {

  static final String NAME = "firecracker";

  /**
   * util-linux setsid: a JVM's child is never a process-group leader, so it execs in place, same
   * pid.
   */
  static final String SETSID = "setsid";

  static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);
  static final Duration API_TIMEOUT = Duration.ofSeconds(10);

  private final CommandRunner runner;
  private final List<String> binary;
  private final Duration socketTimeout;
  private final Duration apiTimeout;

  /** Runs {@code firecracker} from PATH. */
  public FirecrackerDriver(CommandRunner runner) {
    this(runner, List.of("firecracker"));
  }

  /**
   * @param binary the argv words that start Firecracker, before {@code --api-sock …} (a path, or a
   *     stub)
   */
  public FirecrackerDriver(CommandRunner runner, List<String> binary) {
    this(runner, binary, SOCKET_TIMEOUT, API_TIMEOUT);
  }

  FirecrackerDriver(
      CommandRunner runner, List<String> binary, Duration socketTimeout, Duration apiTimeout) {
    if (binary.isEmpty()) {
      throw new IllegalArgumentException("the Firecracker command needs at least a program");
    }
    this.runner = runner;
    this.binary = List.copyOf(binary);
    this.socketTimeout = socketTimeout;
    this.apiTimeout = apiTimeout;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public RunningVm launch(LaunchSpec spec) throws DriverException {
    List<ApiCall> plan;
    try {
      plan = FirecrackerSetup.plan(spec, true);
    } catch (IllegalArgumentException e) {
      throw new DriverException("cannot prepare VM " + spec.vmId() + ": " + e.getMessage(), e);
    }
    return launch(spec, plan);
  }

  /** A fresh Firecracker that loads the snapshot in {@code directory} and runs it. */
  @Override
  public RunningVm restore(LaunchSpec spec, Path directory) throws DriverException {
    for (String f : List.of(FirecrackerSetup.STATE_FILE, FirecrackerSetup.MEMORY_FILE)) {
      if (!Files.isRegularFile(directory.resolve(f))) {
        throw new DriverException(
            "saved state " + directory.resolve(f) + " does not exist or is not a regular file");
      }
    }
    return launch(spec, FirecrackerSetup.restorePlan(spec, directory));
  }

  /** Launches and sends {@code plan} as given (tests send plans the driver itself never would). */
  RunningVm launch(LaunchSpec spec, List<ApiCall> plan) throws DriverException {
    Path sock = FirecrackerSetup.apiSocket(spec);
    try {
      Files.createDirectories(
          spec.runDir(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.deleteIfExists(sock); // Firecracker refuses to start on an existing socket path
      Files.write(
          FirecrackerSetup.logFile(spec),
          new byte[0],
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new DriverException(
          "cannot prepare run directory of VM " + spec.vmId() + ": " + e.getMessage(), e);
    }
    List<String> argv = new ArrayList<>();
    argv.add(SETSID);
    argv.addAll(binary);
    argv.addAll(List.of("--api-sock", sock.toString(), "--id", FirecrackerSetup.instanceId(spec)));
    RunningProcess process;
    try {
      process = runner.start(Command.of(argv).build(), spec.consoleLog());
    } catch (CommandFailedException e) {
      throw new DriverException(
          "cannot start Firecracker for VM " + spec.vmId() + ": " + e.getMessage(), e);
    }
    FirecrackerApi api = new FirecrackerApi(sock, apiTimeout);
    long pid = process.pid();
    try {
      awaitSocket(spec, process, api);
      pid = firecrackerPid(process, sock);
      long found = pid;
      VmmHandle handle =
          VmmHandle.of(NAME, pid, sock, spec.runDir())
              .orElseThrow(
                  () ->
                      new DriverException(
                          "Firecracker of VM "
                              + spec.vmId()
                              + " (pid "
                              + found
                              + ") exited right after opening its API socket: "
                              + consoleTail(spec)));
      for (ApiCall call : plan) {
        send(spec, api, call);
      }
      return new FirecrackerVm(handle, apiTimeout);
    } catch (DriverException | RuntimeException e) {
      abandon(process, pid, sock);
      throw e;
    }
  }

  @Override
  public Optional<RunningVm> adopt(VmmHandle handle) {
    if (!NAME.equals(handle.driver()) || handle.liveProcess().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new FirecrackerVm(handle, apiTimeout));
  }

  private void send(LaunchSpec spec, FirecrackerApi api, ApiCall call) throws DriverException {
    FirecrackerApi.Response r;
    try {
      r = api.exchange("PUT", call.path(), FirecrackerApi.JSON.writeValueAsString(call.body()));
    } catch (JsonProcessingException e) {
      throw new DriverException("cannot encode " + call.step() + " of VM " + spec.vmId(), e);
    } catch (IOException e) {
      throw new DriverException(
          "Firecracker of VM "
              + spec.vmId()
              + " did not take "
              + call.step()
              + " (PUT "
              + call.path()
              + "): "
              + e.getMessage(),
          e);
    }
    if (!r.ok()) {
      throw new DriverException(
          "Firecracker refused "
              + call.step()
              + " of VM "
              + spec.vmId()
              + " (PUT "
              + call.path()
              + " → "
              + r.status()
              + "): "
              + r.faultMessage()
              + kernelHint(spec, call));
    }
  }

  /**
   * Firecracker boots only an uncompressed ELF vmlinux; say so when the kernel is something else.
   */
  private static String kernelHint(LaunchSpec spec, ApiCall call) {
    if (!call.step().equals("InstanceStart") && !call.step().equals("boot-source")) {
      return "";
    }
    byte[] magic = new byte[4];
    try (InputStream in = Files.newInputStream(spec.kernel())) {
      if (in.readNBytes(magic, 0, 4) == 4
          && magic[0] == 0x7f
          && magic[1] == 'E'
          && magic[2] == 'L'
          && magic[3] == 'F') {
        return "";
      }
    } catch (IOException e) {
      return "";
    }
    return " (kernel "
        + spec.kernel()
        + " is not an ELF vmlinux: Firecracker cannot boot a bzImage; import the kernel"
        + " so image-service extracts its vmlinux)";
  }

  /** Polls until GET / answers; a Firecracker that exits first is reported with its last words. */
  private void awaitSocket(LaunchSpec spec, RunningProcess process, FirecrackerApi api)
      throws DriverException {
    long deadline = System.nanoTime() + socketTimeout.toNanos();
    String last = "no socket yet";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        int code = exitCode(process);
        if (code != 0) { // 0: setsid forked after all, and Firecracker runs on as its child
          throw new DriverException(
              "Firecracker of VM "
                  + spec.vmId()
                  + " exited with status "
                  + code
                  + " before opening its API socket: "
                  + consoleTail(spec));
        }
      }
      if (Files.exists(api.socket())) {
        try {
          if (api.exchange("GET", "/", null).ok()) {
            return;
          }
        } catch (IOException e) {
          last = e.getMessage();
        }
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DriverException(
            "interrupted while waiting for Firecracker of VM " + spec.vmId(), e);
      }
    }
    throw new DriverException(
        "Firecracker of VM "
            + spec.vmId()
            + " did not answer on "
            + api.socket()
            + " within "
            + socketTimeout.toMillis()
            + " ms ("
            + last
            + "); its console's last line: "
            + consoleTail(spec));
  }

  private static int exitCode(RunningProcess process) {
    try {
      return process.waitFor(Duration.ZERO).orElse(-1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * The started process when setsid exec'd in place (the usual case); otherwise the process whose
   * command line carries {@code --api-sock <sock>}, which names this VM alone.
   */
  static long firecrackerPid(RunningProcess process, Path sock) {
    if (process.isAlive()
        && ProcessHandle.of(process.pid()).map(h -> servesSocket(h, sock)).orElse(false)) {
      return process.pid();
    }
    return ProcessHandle.allProcesses()
        .filter(h -> servesSocket(h, sock))
        .mapToLong(ProcessHandle::pid)
        .findFirst()
        .orElse(process.pid());
  }

  private static boolean servesSocket(ProcessHandle h, Path sock) {
    List<String> args = h.info().arguments().map(Arrays::asList).orElse(List.of());
    int i = args.indexOf("--api-sock");
    return i >= 0
        && i + 1 < args.size()
        && args.get(i + 1).equals(sock.toString())
        && !h.info().command().map(c -> c.endsWith("/" + SETSID)).orElse(false);
  }

  /**
   * Kills what was started (and a Firecracker found by its socket), waits for it, removes the
   * socket.
   */
  private static void abandon(RunningProcess process, long pid, Path sock) {
    process.kill();
    Optional<ProcessHandle> fc = ProcessHandle.of(pid).filter(h -> servesSocket(h, sock));
    fc.ifPresent(ProcessHandle::destroyForcibly);
    try {
      process.waitFor(Duration.ofSeconds(5));
      if (fc.isPresent()) {
        fc.get().onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // it was SIGKILLed; nothing more to do
    }
    try {
      Files.deleteIfExists(sock);
    } catch (IOException e) {
      // a stale socket is removed by the next launch
    }
  }

  /** The last line of the console log: stderr, where Firecracker says why it stopped. */
  static String consoleTail(LaunchSpec spec) {
    try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(spec.consoleLog())) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(ch.size(), 4096));
      ch.position(ch.size() - buf.capacity());
      while (buf.hasRemaining() && ch.read(buf) > 0) {
        // fill
      }
      String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        return "(nothing on its console; see " + spec.consoleLog() + ")";
      }
      String[] lines = text.split("\n");
      String l = lines[lines.length - 1].strip();
      return l.length() > 300 ? l.substring(0, 300) + "…" : l;
    } catch (IOException e) {
      return "(no console log at " + spec.consoleLog() + ")";
    }
  }
}
