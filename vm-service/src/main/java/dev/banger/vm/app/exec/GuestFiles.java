package dev.banger.vm.app.exec;

import dev.banger.kit.text.Printable;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.ports.GuestProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PutFiles and GetFiles (docs/exec.md, "Files"): a tar stream into or out of a running VM, through
 * the guest's own {@code tar} run as an Exec, so the VM checks, the quoting and the kill are
 * Exec's.
 */
public final class GuestFiles {

  /** GetFiles's "no such path" exit status, told apart from tar's own failures (2). */
  static final int NO_SUCH_PATH = 3;

  static final String PUT = "mkdir -p -- \"$1\" && exec tar -x -p -f - -C \"$1\"";
  static final String GET =
      "[ -e \"$1/$2\" ] || [ -L \"$1/$2\" ] || { echo \"banger: no such path\" >&2; exit "
          + NO_SUCH_PATH
          + "; }; cd -- \"$1\" && exec tar -c -f - -- \"$2\"";

  private final GuestExec exec;

  public GuestFiles(GuestExec exec) {
    this.exec = exec;
  }

  /** Unpacks {@code tar} into {@code directory} of {@code vm}, checking every entry first. */
  public TarGate.Copied put(String vm, String directory, InputStream tar) throws Exception {
    absolute("directory", directory);
    GuestExec.Running r = exec.start(order(vm, List.of("sh", "-c", PUT, "sh", directory)));
    try {
      Capture err = Capture.of(r.process().stderr());
      TarGate.Copied copied;
      OutputStream stdin = r.process().stdin();
      try {
        copied = TarGate.copy(tar, stdin);
      } catch (TarGate.Refused e) {
        exec.kill(r); // before stdin closes: the guest's tar must not finish what it has
        throw VmProblem.invalid("tar", e.getMessage() + "; nothing more was written");
      } catch (IOException e) {
        exec.kill(r);
        throw e;
      }
      stdin.close();
      GuestProcess.Ended end = awaitEnd(r);
      if (end.exitCode() == null || end.exitCode() != 0) {
        throw failed(vm, "tar -x into " + directory, end, err.text());
      }
      return copied;
    } finally {
      r.close();
    }
  }

  /** A tar stream of {@code path} from {@code vm}; {@link Reading#finish} says how it ended. */
  public Reading get(String vm, String path) throws Exception {
    absolute("path", path);
    List<String> parts = new java.util.ArrayList<>();
    for (String c : path.split("/")) {
      if (c.equals("..")) {
        throw VmProblem.invalid(
            "path", "path must not hold \"..\" (got " + Printable.quoted(path, 80) + ")");
      }
      if (!c.isEmpty() && !c.equals(".")) {
        parts.add(c);
      }
    }
    String parent;
    String name;
    if (parts.isEmpty()) {
      parent = "/";
      name = ".";
    } else {
      parent = "/" + String.join("/", parts.subList(0, parts.size() - 1));
      name = parts.getLast();
    }
    GuestExec.Running r = exec.start(order(vm, List.of("sh", "-c", GET, "sh", parent, name)));
    return new Reading(r, Capture.of(r.process().stderr()), vm, path);
  }

  /** A GetFiles under way. */
  public final class Reading implements AutoCloseable {
    private final GuestExec.Running running;
    private final Capture err;
    private final String vm;
    private final String path;

    Reading(GuestExec.Running running, Capture err, String vm, String path) {
      this.running = running;
      this.err = err;
      this.vm = vm;
      this.path = path;
    }

    /** The tar stream; read it to its end, then call {@link #finish}. */
    public InputStream tar() {
      return running.process().stdout();
    }

    /** Throws NOT_FOUND or the guest's tar failure; returns when the stream was whole. */
    public void finish() throws Exception {
      GuestProcess.Ended end = awaitEnd(running);
      if (end.exitCode() != null && end.exitCode() == NO_SUCH_PATH) {
        throw new VmProblem(
            VmProblem.Kind.NOT_FOUND,
            "PATH_NOT_FOUND",
            "vm \"" + vm + "\" has no " + Printable.quoted(path, 200),
            Map.of("path", Printable.bare(path, 200)));
      }
      if (end.exitCode() == null || end.exitCode() != 0) {
        throw failed(vm, "tar -c of " + path, end, err.text());
      }
    }

    /** The client left: the guest's tar is killed. */
    public void abandon() {
      exec.kill(running);
    }

    @Override
    public void close() {
      running.close();
    }
  }

  private static ExecOrder order(String vm, List<String> argv) {
    return new ExecOrder(vm, argv, false, Map.of(), "/", "", false, 0, 0, null);
  }

  private static void absolute(String field, String path) {
    if (!path.startsWith("/") || path.indexOf('\0') >= 0 || path.length() > 4096) {
      throw VmProblem.invalid(
          field,
          field
              + " must be an absolute path in the VM of at most 4096 characters (got "
              + Printable.quoted(path, 80)
              + ")");
    }
  }

  private static GuestProcess.Ended awaitEnd(GuestExec.Running r) throws Exception {
    Optional<GuestProcess.Ended> end = Optional.empty();
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (end.isEmpty() && System.nanoTime() < deadline) {
      end = r.process().await(Duration.ofMillis(200));
    }
    return end.orElseThrow(
        () -> new IllegalStateException("the guest's tar did not end a minute after its stream"));
  }

  private static VmProblem failed(String vm, String what, GuestProcess.Ended end, String stderr) {
    return new VmProblem(
        VmProblem.Kind.FAILED_PRECONDITION,
        "GUEST_TAR_FAILED",
        "vm \""
            + vm
            + "\": "
            + what
            + " failed ("
            + (end.signal() != null ? "signal " + end.signal() : "exit " + end.exitCode())
            + "): "
            + Printable.bare(stderr.strip(), 400),
        Map.of("vm", vm));
  }

  /** A program's stderr read on a thread of its own, the first 16 KiB kept. */
  static final class Capture {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final Thread reader;

    private Capture(InputStream in) {
      reader =
          Thread.ofVirtual()
              .name("guest-stderr")
              .start(
                  () -> {
                    byte[] buf = new byte[8192];
                    try {
                      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        synchronized (kept) {
                          if (kept.size() < 16 << 10) {
                            kept.write(buf, 0, Math.min(n, (16 << 10) - kept.size()));
                          }
                        }
                      }
                    } catch (IOException e) {
                      // the channel closed
                    }
                  });
    }

    static Capture of(InputStream in) {
      return new Capture(in);
    }

    String text() throws InterruptedException {
      reader.join(Duration.ofSeconds(5));
      synchronized (kept) {
        return kept.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
