package dev.banger.vm.app.exec;

import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.app.VmProblems;
import dev.banger.vm.app.workspace.PreparedWorkspace;
import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.ports.GuestProcess;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Exec use case (docs/exec.md): checks the order, finds the running VM, starts banger's script
 * for it in the guest and hands back the running program; kills its process group when asked.
 */
public final class GuestExec {

  private static final Logger LOG = LoggerFactory.getLogger(GuestExec.class);
  static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);
  static final int MAX_SCRIPT_BYTES = 120 << 10;

  /**
   * How long the guest's shell may take to print the pid line. A guest whose sshd accepted the
   * channel but whose shell never runs (a hung or thrashing guest) would otherwise hold the call,
   * and a thread, for ever. Generous: under TCG a loaded guest takes seconds.
   */
  static final Duration PID_DEADLINE = Duration.ofSeconds(60);

  private final VmLookup vms;
  private final GuestAccess guest;
  private final Duration pidDeadline;

  public GuestExec(VmLookup vms, GuestAccess guest) {
    this(vms, guest, PID_DEADLINE);
  }

  GuestExec(VmLookup vms, GuestAccess guest, Duration pidDeadline) {
    this.vms = vms;
    this.guest = guest;
    this.pidDeadline = pidDeadline;
  }

  /** A program started in a guest: its streams (the pid line already read) and its pid there. */
  public static final class Running implements AutoCloseable {
    private final VmRecord vm;
    private final GuestProcess process;
    private final long pid;
    private final boolean tty;

    Running(VmRecord vm, GuestProcess process, long pid, boolean tty) {
      this.vm = vm;
      this.process = process;
      this.pid = pid;
      this.tty = tty;
    }

    public GuestProcess process() {
      return process;
    }

    public long pid() {
      return pid;
    }

    public boolean tty() {
      return tty;
    }

    public String vmName() {
      return vm.name();
    }

    @Override
    public void close() {
      process.close();
    }
  }

  /**
   * Starts {@code order}: INVALID_ARGUMENT for a bad field, NOT_FOUND, FAILED_PRECONDITION when the
   * VM is not running, UNAVAILABLE when the guest cannot be reached.
   */
  public Running start(ExecOrder order) throws Exception {
    ExecRules.check(order);
    VmRecord vm = vms.find(order.vm());
    if (vm.state() != VmState.RUNNING || vm.ipAddress() == null) {
      throw VmProblems.notRunning(vm.name(), vm.state(), "a command runs only in a running VM");
    }
    String dir = order.workingDir().isEmpty() ? defaultDirectory(vm) : order.workingDir();
    String script = GuestScript.of(order, dir);
    if (script.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_SCRIPT_BYTES) {
      // One argument to the guest's shell: Linux refuses more than 128 KiB (MAX_ARG_STRLEN).
      throw VmProblem.invalid(
          "argv", "argv and env, quoted for the guest's shell, are more than 120 KiB");
    }
    GuestProcess p;
    try {
      p =
          guest.start(
              vm.ipAddress(), vm.name(), script, order.tty(), order.columns(), order.rows());
    } catch (VmProblem e) {
      throw e;
    } catch (Exception e) {
      throw new VmProblem(
          VmProblem.Kind.UNAVAILABLE,
          "GUEST_UNREACHABLE",
          "cannot reach vm \"" + vm.name() + "\" over SSH: " + e.getMessage(),
          Map.of("vm", vm.name()));
    }
    try {
      long pid = readPid(p, order.tty() ? p.stdout() : p.stderr());
      return new Running(vm, p, pid, order.tty());
    } catch (Exception e) {
      p.close();
      throw new VmProblem(
          VmProblem.Kind.UNAVAILABLE,
          "GUEST_UNREACHABLE",
          "vm \"" + vm.name() + "\": " + e.getMessage(),
          Map.of("vm", vm.name()));
    }
  }

  /**
   * The pid line within {@link #pidDeadline}: past it the channel is closed, which ends the read.
   * Who wins (the read or the deadline) is decided once, so a pid read just as the deadline fires
   * is not used on a closed channel.
   */
  private long readPid(GuestProcess p, InputStream first) throws java.io.IOException {
    var state = new java.util.concurrent.atomic.AtomicInteger(); // 0 reading, 1 late, 2 read
    Thread deadline =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    Thread.sleep(pidDeadline);
                  } catch (InterruptedException e) {
                    return;
                  }
                  if (state.compareAndSet(0, 1)) {
                    p.close();
                  }
                });
    try {
      long pid = PidLine.read(first);
      if (state.compareAndSet(0, 2)) {
        return pid;
      }
    } catch (java.io.IOException e) {
      if (state.get() != 1) {
        throw e;
      }
    } finally {
      deadline.interrupt();
    }
    throw new java.io.IOException(
        "the guest's shell did not start the command within "
            + pidDeadline.toSeconds()
            + " s (is the guest overloaded or hung?)");
  }

  /**
   * Kills the program's process group in the guest (SIGKILL), on a second channel; logs rather than
   * throws when that fails, since the caller is already ending the call.
   */
  public void kill(Running r) {
    try {
      int status =
          guest.run(
              r.vm.ipAddress(),
              r.vm.name(),
              GuestScript.kill(r.pid),
              KILL_TIMEOUT,
              null,
              OutputStream.nullOutputStream(),
              OutputStream.nullOutputStream(),
              () -> false);
      LOG.info("exec in vm {}: killed process group {} (status {})", r.vm.name(), r.pid, status);
    } catch (Exception e) {
      LOG.warn(
          "exec in vm {}: could not kill process group {}: {}", r.vm.name(), r.pid, e.toString());
    }
  }

  /** The VM's workspace when a prepare put one there, else /root. */
  static String defaultDirectory(VmRecord vm) {
    if (vm.lastWorkspace() == null) {
      return "/root";
    }
    return PreparedWorkspace.fromJson(vm.lastWorkspace())
        .map(PreparedWorkspace::guestPath)
        .orElse("/root");
  }
}
