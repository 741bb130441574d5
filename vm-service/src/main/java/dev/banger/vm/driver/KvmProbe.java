package dev.banger.vm.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether QEMU may use KVM for a kernel (docs/architecture.md §8: on our machines /dev/kvm
 * exists but a stock kernel hangs under it). The probe boots the kernel under {@code -accel kvm}
 * with no root disk: a kernel that runs reaches "VFS: Unable to mount root fs" and panics within a
 * second or two, and {@code -no-reboot} then ends QEMU. No such line within the bound means KVM
 * hangs it, and TCG is used. The verdict is cached per kernel file (path, size, mtime) in a small
 * JSON file, so the probe runs once per kernel, not per VM.
 */
public final class KvmProbe {

  static final Duration BOUND = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The verdict and why, as doctor reports it. */
  public record Verdict(Accelerator accel, String reason) {}

  record Cached(String kernel, long size, long mtime, boolean kvm, String reason) {}

  private final CommandRunner runner;
  private final Path cacheFile;
  private final Path scratch;
  private final Path kvmDevice;

  public KvmProbe(CommandRunner runner, Path cacheFile, Path scratch) {
    this(runner, cacheFile, scratch, Path.of("/dev/kvm"));
  }

  KvmProbe(CommandRunner runner, Path cacheFile, Path scratch, Path kvmDevice) {
    this.runner = runner;
    this.cacheFile = cacheFile;
    this.scratch = scratch;
    this.kvmDevice = kvmDevice;
  }

  public synchronized Verdict verdict(Path kernel) throws IOException, InterruptedException {
    if (!Files.exists(kvmDevice)) {
      return new Verdict(Accelerator.TCG, kvmDevice + " does not exist");
    }
    if (!Files.isReadable(kvmDevice) || !Files.isWritable(kvmDevice)) {
      return new Verdict(
          Accelerator.TCG,
          kvmDevice
              + " is not usable by "
              + System.getProperty("user.name")
              + " (join the kvm group)");
    }
    long size = Files.size(kernel);
    long mtime = Files.getLastModifiedTime(kernel).toMillis();
    Optional<Cached> hit =
        cached()
            .filter(
                c ->
                    c.kernel().equals(kernel.toString()) && c.size() == size && c.mtime() == mtime);
    if (hit.isPresent()) {
      return new Verdict(
          hit.get().kvm() ? Accelerator.KVM : Accelerator.TCG, hit.get().reason() + " (cached)");
    }
    Verdict v = probe(kernel);
    Files.createDirectories(cacheFile.getParent());
    Path tmp = cacheFile.resolveSibling("." + cacheFile.getFileName() + ".tmp");
    Files.write(
        tmp,
        JSON.writeValueAsBytes(
            new Cached(kernel.toString(), size, mtime, v.accel() == Accelerator.KVM, v.reason())));
    Files.move(tmp, cacheFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return v;
  }

  private Optional<Cached> cached() {
    try {
      return Optional.of(JSON.readValue(Files.readAllBytes(cacheFile), Cached.class));
    } catch (IOException e) {
      return Optional.empty(); // absent or unreadable: probe again
    }
  }

  private Verdict probe(Path kernel) throws IOException, InterruptedException {
    Files.createDirectories(scratch);
    Path console = scratch.resolve("kvm-probe-console.log");
    Files.deleteIfExists(console);
    List<String> argv =
        List.of(
            QemuArgs.BINARY,
            "-M",
            "microvm,x-option-roms=off,acpi=on",
            "-accel",
            "kvm",
            "-cpu",
            "host",
            "-m",
            "256M",
            "-smp",
            "1",
            "-nodefaults",
            "-no-user-config",
            "-display",
            "none",
            "-no-reboot",
            "-serial",
            "file:" + console,
            "-kernel",
            kernel.toString(),
            "-append",
            "console=ttyS0 panic=-1 reboot=t root=/dev/banger-probe-none");
    long t0 = System.nanoTime();
    String outcome;
    try {
      var r = runner.run(Command.of(argv).timeout(BOUND).build());
      String err = r.stderrText().strip();
      outcome =
          "QEMU exited "
              + r.exitCode()
              + (err.isEmpty()
                  ? " without the kernel's output"
                  : ": " + err.lines().reduce((a, b) -> b).orElse(""));
    } catch (CommandFailedException e) {
      if (e.kind() == CommandFailedException.Kind.INTERRUPTED) {
        throw new InterruptedException("KVM probe interrupted");
      }
      outcome =
          e.kind() == CommandFailedException.Kind.TIMED_OUT
              ? "timed out after " + BOUND.toSeconds() + " s"
              : e.getMessage();
    }
    String text =
        Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
    long ms = (System.nanoTime() - t0) / 1_000_000;
    if (text.contains("VFS: Unable to mount root fs") || text.contains("Kernel panic")) {
      return new Verdict(
          Accelerator.KVM,
          "KVM booted " + kernel.getFileName() + " to its root mount in " + ms + " ms");
    }
    return new Verdict(
        Accelerator.TCG,
        "KVM did not boot " + kernel.getFileName() + " (" + outcome + "); using TCG");
  }
}
