package dev.banger.cli.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.cli.Sizes;
import dev.banger.kit.config.VmConfig;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.process.HostCommandRunner;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The host half of {@code banger doctor}: devices, programs, the state directory. Where to look is
 * taken from system properties so tests can point it at a scratch directory: {@code banger.path}
 * (the program search path, default $PATH plus the sbin directories, which a user's PATH often
 * lacks but the services' has) and {@code banger.kvm.device} (default /dev/kvm).
 */
public final class HostChecks {

  public enum Status {
    PASS,
    WARN,
    FAIL
  }

  public record Check(String check, Status status, String detail, String fix) {
    public static Check pass(String check, String detail) {
      return new Check(check, Status.PASS, detail, "");
    }
  }

  static final long WARN_FREE_BYTES = 10L << 30;
  static final long FAIL_FREE_BYTES = 2L << 30;

  private final List<Path> searchPath;
  private final Path kvmDevice;
  private final CommandRunner runner;

  HostChecks(List<Path> searchPath, Path kvmDevice, CommandRunner runner) {
    this.searchPath = searchPath;
    this.kvmDevice = kvmDevice;
    this.runner = runner;
  }

  public static HostChecks fromSystem() {
    String override = System.getProperty("banger.path");
    List<Path> dirs = new ArrayList<>();
    String path =
        override != null
            ? override
            : System.getenv().getOrDefault("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin";
    for (String d : path.split(File.pathSeparator)) {
      if (!d.isEmpty()) {
        dirs.add(Path.of(d));
      }
    }
    return new HostChecks(
        dirs,
        Path.of(System.getProperty("banger.kvm.device", "/dev/kvm")),
        new HostCommandRunner());
  }

  Optional<Path> which(String program) {
    if (program.contains("/")) {
      Path p = Path.of(program);
      return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    return searchPath.stream()
        .map(d -> d.resolve(program))
        .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
        .findFirst();
  }

  /**
   * The first line a program's {@code --version} prints (QEMU and Firecracker both answer on
   * stdout).
   */
  String version(Path program) {
    try {
      CommandResult r =
          runner.run(
              Command.of(program.toString(), "--version").timeout(Duration.ofSeconds(10)).build());
      String text = r.stdoutText().isBlank() ? r.stderrText() : r.stdoutText();
      String first = text.lines().findFirst().orElse("").strip();
      return r.succeeded() && !first.isEmpty() ? first : "'--version' exited " + r.exitCode();
    } catch (CommandFailedException e) {
      return "'--version' failed: " + e.getMessage();
    }
  }

  /**
   * /dev/kvm, and whether the KVM probe (vm-service's, cached in lib/db/vm/kvm-probe.json) saw it
   * boot a kernel.
   */
  public Check kvm(Path probeFile, String accel) {
    if (!Files.exists(kvmDevice)) {
      return new Check(
          "kvm",
          Status.WARN,
          "no " + kvmDevice + ": VMs boot under TCG emulation (slow)",
          "enable VT-x/AMD-V in the firmware and load kvm_intel or kvm_amd");
    }
    try (FileChannel c =
        FileChannel.open(kvmDevice, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // Opened read-write, as QEMU opens it; nothing is asked of the device.
    } catch (IOException | UnsupportedOperationException e) {
      String user = System.getProperty("user.name");
      return new Check(
          "kvm",
          Status.WARN,
          kvmDevice
              + " is not usable by "
              + user
              + " ("
              + e.getClass().getSimpleName()
              + "): VMs boot under TCG",
          "join the kvm group (sudo adduser " + user + " kvm) and log in again");
    }
    if (accel.equals("tcg")) {
      return Check.pass("kvm", kvmDevice + " openable; [vm] accel = \"tcg\" keeps VMs off it");
    }
    JsonNode probe;
    try {
      probe = new ObjectMapper().readTree(Files.readAllBytes(probeFile));
    } catch (IOException e) {
      return new Check(
          "kvm",
          Status.WARN,
          kvmDevice
              + " openable, but no probe has shown KVM boots a kernel here (no "
              + probeFile
              + ")",
          "start a VM (vm-service probes its kernel under KVM first), then run doctor again");
    }
    String kernel = Path.of(probe.path("kernel").asText("?")).getFileName().toString();
    String reason = probe.path("reason").asText("");
    if (probe.path("kvm").asBoolean(false)) {
      return Check.pass(
          "kvm", kvmDevice + " openable; the probe booted " + kernel + " under KVM: " + reason);
    }
    return new Check(
        "kvm",
        Status.WARN,
        kvmDevice
            + " openable, but the probe found KVM does not boot "
            + kernel
            + " ("
            + reason
            + "): VMs use TCG",
        "normal where KVM needs PVM guest kernels; a kernel that boots"
            + " under KVM is used with it automatically");
  }

  /** The VMMs: QEMU (the default driver) and Firecracker; one of them must be there. */
  public List<Check> vmms(VmConfig vm) {
    Optional<Path> qemu = which("qemu-system-x86_64");
    Optional<Path> fc = which(vm.firecrackerBinaryOrDefault());
    boolean wantsFc = vm.driverOrDefault().equals("firecracker");
    Check q =
        qemu.map(p -> Check.pass("qemu", p + ": " + version(p)))
            .orElse(
                new Check(
                    "qemu",
                    fc.isPresent() && wantsFc ? Status.WARN : Status.FAIL,
                    "qemu-system-x86_64 not found",
                    "apt-get install qemu-system-x86"));
    Check f =
        fc.map(p -> Check.pass("firecracker", p + ": " + version(p)))
            .orElse(
                new Check(
                    "firecracker",
                    wantsFc || qemu.isEmpty() ? Status.FAIL : Status.WARN,
                    vm.firecrackerBinaryOrDefault()
                        + " not found"
                        + (wantsFc
                            ? ", and [vm] driver = \"firecracker\""
                            : "; the qemu driver is used"),
                    wantsFc
                        ? "install Firecracker, or set [vm] driver = \"qemu\""
                        : "only needed for [vm] driver = \"firecracker\""));
    return List.of(q, f);
  }

  /** Programs the services run; {@code status} when one is missing. */
  Check programs(String check, List<String> names, Status status, String fix) {
    List<String> missing = names.stream().filter(n -> which(n).isEmpty()).toList();
    if (missing.isEmpty()) {
      return Check.pass(
          check,
          String.join(", ", names.stream().map(n -> which(n).orElseThrow().toString()).toList()));
    }
    return new Check(check, status, "not found: " + String.join(", ", missing), fix);
  }

  public List<Check> tools() {
    return List.of(
        programs(
            "e2fsprogs",
            List.of("mkfs.ext4", "debugfs", "e2fsck", "resize2fs"),
            Status.FAIL,
            "apt-get install e2fsprogs"),
        programs("ip", List.of("ip"), Status.FAIL, "apt-get install iproute2"),
        programs("nft", List.of("nft"), Status.FAIL, "apt-get install nftables"),
        programs(
            "mmdebstrap",
            List.of("mmdebstrap"),
            Status.WARN,
            "apt-get install mmdebstrap (needed to build catalog images from Debian mirrors)"),
        programs("ssh", List.of("ssh"), Status.FAIL, "apt-get install openssh-client"));
  }

  /** Writable: a file is created and removed, which is what the services will do. */
  public static Check writable(Path dir, boolean production) {
    if (!Files.isDirectory(dir)) {
      return new Check(
          "state-dir", Status.FAIL, dir + " does not exist", "start bangerd once: it creates it");
    }
    try {
      Files.delete(Files.createTempFile(dir, ".doctor-", ".tmp"));
      return Check.pass("state-dir", dir + " writable");
    } catch (IOException e) {
      // In production the directory belongs to the services' users; only they need to write it.
      return new Check(
          "state-dir",
          production ? Status.WARN : Status.FAIL,
          dir + " is not writable by " + System.getProperty("user.name"),
          production
              ? "fine when bangerd's services run as their own users"
              : "chown it to the user bangerd runs as");
    }
  }

  /**
   * The CLI's AOT cache (bin/banger-aot-train): present and newer than every jar beside it. The JVM
   * ignores a stale cache without a word, so this is where a user learns why banger got slow.
   */
  public static Check startupCache(Path home) {
    Path lib = home.resolve("lib");
    Path cache = lib.resolve("banger-cli.aot");
    String fix =
        home.resolve("bin/banger-aot-train") + " --state-dir DIR (again after a JDK update)";
    try {
      if (!Files.isRegularFile(cache)) {
        return new Check(
            "cli-start-up",
            Status.WARN,
            "no AOT cache " + cache + ": every banger command starts slower",
            fix);
      }
      java.nio.file.attribute.FileTime built = Files.getLastModifiedTime(cache);
      try (var jars = Files.list(lib)) {
        var newer =
            jars.filter(j -> j.toString().endsWith(".jar"))
                .filter(
                    j -> {
                      try {
                        return Files.getLastModifiedTime(j).compareTo(built) > 0;
                      } catch (java.io.IOException e) {
                        return true;
                      }
                    })
                .findFirst();
        if (newer.isPresent()) {
          return new Check(
              "cli-start-up",
              Status.WARN,
              "AOT cache "
                  + cache
                  + " is older than "
                  + newer.get().getFileName()
                  + ", so the JVM ignores it",
              fix);
        }
      }
      return Check.pass(
          "cli-start-up", "AOT cache " + cache + " (" + Sizes.human(Files.size(cache)) + ")");
    } catch (java.io.IOException e) {
      return new Check(
          "cli-start-up", Status.WARN, "cannot read " + lib + ": " + e.getMessage(), fix);
    }
  }

  public static Check freeSpace(Path dir) {
    Path p = dir.toAbsolutePath();
    while (p != null && !Files.exists(p)) {
      p = p.getParent();
    }
    try {
      long free = Files.getFileStore(p).getUsableSpace();
      String detail = Sizes.human(free) + " free on " + p;
      return free < FAIL_FREE_BYTES
          ? new Check(
              "disk-space",
              Status.FAIL,
              detail,
              "free space: 'banger image cache" + " prune', 'banger vm prune', unused images")
          : free < WARN_FREE_BYTES
              ? new Check(
                  "disk-space",
                  Status.WARN,
                  detail,
                  "an image and a few VMs need ~10 GiB;"
                      + " 'banger image cache prune' frees downloads")
              : Check.pass("disk-space", detail);
    } catch (IOException | NullPointerException e) {
      return new Check(
          "disk-space",
          Status.WARN,
          "cannot read free space of " + dir + ": " + e.getMessage(),
          "");
    }
  }
}
