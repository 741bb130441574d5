package dev.banger.image.api;

import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.image.app.ImageNames;
import dev.banger.image.app.KernelImport;
import dev.banger.image.kernel.KernelRelease;
import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Validation of {@code ImportKernel} requests, and what {@code from_host} means on this host. Only
 * the form of a path is checked here (absolute, no {@code ..}); what it points at is checked when
 * it is read ({@link dev.banger.image.kernel.SourceFiles}).
 */
final class KernelRequests {

  static final int MAX_PATH = 4096;

  /**
   * Where the host keeps its kernels: {@code <boot>/vmlinuz-<r>}, {@code <boot>/initrd.img-<r>},
   * {@code <modules>/<r>}, and the running release ({@code uname -r}).
   */
  record Host(Path boot, Path modules, Path osRelease) {
    static final Host SYSTEM =
        new Host(Path.of("/boot"), Path.of("/lib/modules"), Path.of("/proc/sys/kernel/osrelease"));

    String runningRelease() {
      try {
        return Files.readString(osRelease).strip();
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot read the running kernel's release from " + osRelease, e);
      }
    }
  }

  private KernelRequests() {}

  static KernelImport.Request of(ImportKernelRequest req, Host host) {
    ImageRequests.requestId(req.getRequestId());
    if (req.getFromHost()) {
      if (!req.getKernelPath().isEmpty()
          || !req.getInitrdPath().isEmpty()
          || !req.getModulesPath().isEmpty()) {
        throw Errors.invalidArgument(
            "from_host",
            "from_host takes the host's own files: give it alone, or give"
                + " kernel_path (with initrd_path and modules_path), not both");
      }
      return fromHost(req, host);
    }
    if (!req.getHostRelease().isEmpty()) {
      throw Errors.invalidArgument("host_release", "host_release goes with from_host");
    }
    if (req.getName().isEmpty()) {
      throw Errors.invalidArgument(
          "name", "name is required (only from_host imports have a default name)");
    }
    String name = ImageRequests.name("name", req.getName());
    if (req.getKernelPath().isEmpty()) {
      throw Errors.invalidArgument(
          "kernel_path", "kernel_path is required: a vmlinux or bzImage, or use from_host");
    }
    return new KernelImport.Request(
        name,
        path("kernel_path", req.getKernelPath()),
        optionalPath("initrd_path", req.getInitrdPath()),
        optionalPath("modules_path", req.getModulesPath()));
  }

  private static KernelImport.Request fromHost(ImportKernelRequest req, Host host) {
    String release = req.getHostRelease().isEmpty() ? host.runningRelease() : req.getHostRelease();
    if (!KernelRelease.valid(release)) {
      throw Errors.invalidArgument(
          "host_release",
          "host_release must match "
              + KernelRelease.PATTERN.pattern()
              + " (got "
              + ImageNames.quoted(release)
              + ")");
    }
    String name =
        req.getName().isEmpty() ? defaultName(release) : ImageRequests.name("name", req.getName());
    Path kernel = host.boot().resolve("vmlinuz-" + release);
    if (!Files.exists(kernel)) {
      throw Errors.of(
          Status.FAILED_PRECONDITION.withDescription(
              "this host has no "
                  + kernel
                  + " (the kernel of"
                  + " release "
                  + release
                  + "); installed here: "
                  + installed(host)
                  + ". Pass host_release, or kernel_path"),
          "HOST_KERNEL_MISSING",
          Map.of("release", release));
    }
    Path initrd = host.boot().resolve("initrd.img-" + release);
    Path modules = host.modules().resolve(release);
    return new KernelImport.Request(
        name, kernel, Files.exists(initrd) ? initrd : null, Files.exists(modules) ? modules : null);
  }

  /** {@code host-<release>}, lower-cased, other characters as {@code -}, at most 63 characters. */
  static String defaultName(String release) {
    String n = ("host-" + release).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    return n.length() > 63 ? n.substring(0, 63) : n;
  }

  private static String installed(Host host) {
    try (Stream<Path> s = Files.list(host.boot())) {
      String list =
          String.join(
              ", ",
              s.map(p -> p.getFileName().toString())
                  .filter(f -> f.startsWith("vmlinuz-"))
                  .map(f -> f.substring("vmlinuz-".length()))
                  .filter(KernelRelease::valid)
                  .sorted()
                  .toList());
      return list.isEmpty() ? "none" : list;
    } catch (IOException e) {
      return "unknown (" + host.boot() + " is not readable)";
    }
  }

  private static Path optionalPath(String field, String raw) {
    return raw.isEmpty() ? null : path(field, raw);
  }

  /** Absolute, no {@code ..} component, no NUL, at most {@link #MAX_PATH} characters. */
  static Path path(String field, String raw) {
    if (raw.length() > MAX_PATH) {
      throw Errors.invalidArgument(field, field + " is longer than " + MAX_PATH + " characters");
    }
    Path p;
    try {
      p = Path.of(raw);
    } catch (InvalidPathException e) {
      throw Errors.invalidArgument(
          field, field + " " + ImageNames.quoted(raw) + " is not a valid path: " + e.getReason());
    }
    if (!p.isAbsolute()) {
      throw Errors.invalidArgument(
          field, field + " must be an absolute path (got " + ImageNames.quoted(raw) + ")");
    }
    for (Path c : p) {
      if (c.toString().equals("..")) {
        throw Errors.invalidArgument(
            field,
            field
                + " must not contain \"..\" (got "
                + ImageNames.quoted(raw)
                + "); give the path as it is");
      }
    }
    return p;
  }
}
