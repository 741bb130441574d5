package dev.banger.cli.system;

import dev.banger.cli.CliException;
import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.ConfigLoader;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.state.ServiceName;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The file half of {@code banger system install}: the installation copied to PREFIX, the units,
 * sysusers and tmpfiles rendered into ETC, an example config if there is none, files of an earlier
 * install that this one no longer writes removed, and the manifest. Starting the services is {@link
 * Systemd}'s. Everything is checked ({@link #preflight}) before anything is written.
 */
final class SystemInstaller {

  private final SystemLayout layout;
  private final Path home;
  private final String owner;
  private final PrintWriter out;
  private final CommandRunner runner;

  /**
   * Files an installation makes for itself and that belong to one place: the CLI's AOT cache and
   * the JDK it was trained with (they name the jars' paths), and the quickstart's build stamp.
   * Never copied; the cache is trained afresh in PREFIX.
   */
  static final Set<String> DERIVED =
      Set.of("lib/banger-cli.aot", "lib/banger-cli.jdk", "lib/.built");

  /** Where the kvm group is looked for: udev and systemd-sysusers make it there, never in NSS. */
  static final Path HOST_GROUPS = Path.of("/etc/group");

  SystemInstaller(
      SystemLayout layout, Path home, String owner, PrintWriter out, CommandRunner runner) {
    this.layout = layout;
    this.home = home;
    this.owner = owner;
    this.out = out;
    this.runner = runner;
  }

  /** The installation being copied has what install needs; PREFIX and it are not nested. */
  void preflight() throws IOException {
    for (String f :
        Stream.concat(
                SystemLayout.UNIT_TEMPLATES.stream(),
                Stream.of(SystemLayout.SYSUSERS_TEMPLATE, SystemLayout.TMPFILES_TEMPLATE))
            .toList()) {
      if (!Files.isRegularFile(home.resolve("systemd").resolve(f))) {
        throw new CliException(
            home + " is not a complete banger installation: systemd/" + f + " is missing");
      }
    }
    for (String f : List.of("bin/bangerd", "bin/banger", "conf/config.example.toml")) {
      if (!Files.isRegularFile(home.resolve(f))) {
        throw new CliException(
            home + " is not a complete banger installation: " + f + " is missing");
      }
    }
    if (!sameDir()) {
      Path prefixReal = realOrSelf(layout.prefix());
      if (prefixReal.startsWith(home) || home.startsWith(prefixReal)) {
        throw new CliException(
            "--prefix "
                + layout.prefix()
                + " and the running installation "
                + home
                + " are inside one another; pick another --prefix",
            2,
            null);
      }
    }
  }

  InstallManifest install() throws IOException {
    Optional<InstallManifest> earlier = InstallManifest.read(layout.manifest());
    InstallFiles files = new InstallFiles();
    earlier.ifPresent(m -> files.adoptDirs(m.dirs()));
    copyInstallation(files);
    trainStartupCache(files);
    Map<String, String> tokens =
        Map.of(
            "PREFIX",
            layout.prefix().toString(),
            "OWNER",
            owner,
            "VM_GROUPS",
            SystemTemplates.vmGroups(HOST_GROUPS));
    for (String unit : SystemLayout.UNIT_TEMPLATES) {
      Path to = layout.unitDir().resolve(unit);
      files.write(to, render(unit, tokens), "rw-r--r--");
      out.println("unit     " + to);
    }
    files.write(layout.sysusers(), render(SystemLayout.SYSUSERS_TEMPLATE, tokens), "rw-r--r--");
    out.println(
        "sysusers "
            + layout.sysusers()
            + " (banger-image, banger-net, group banger with "
            + owner
            + " in it)");
    files.write(layout.tmpfiles(), render(SystemLayout.TMPFILES_TEMPLATE, tokens), "rw-r--r--");
    out.println("tmpfiles " + layout.tmpfiles());
    config(files, earlier);
    earlier.ifPresent(m -> removeStale(files, m));
    files.mkdirs(layout.manifest().getParent());
    InstallManifest manifest =
        files.manifest(owner, layout.prefix().toString(), SystemLayout.units(owner));
    Path tmp =
        layout.manifest().resolveSibling("." + layout.manifest().getFileName() + ".banger-tmp");
    Files.write(tmp, manifest.toJson());
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
    Files.move(
        tmp,
        layout.manifest(),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    out.println(
        "manifest "
            + layout.manifest()
            + " ("
            + manifest.files().size()
            + " files, "
            + manifest.dirs().size()
            + " directories: what 'banger system uninstall' removes)");
    return manifest;
  }

  boolean sameDir() throws IOException {
    return Files.exists(layout.prefix()) && Files.isSameFile(home, layout.prefix());
  }

  private void copyInstallation(InstallFiles files) throws IOException {
    if (sameDir()) {
      out.println("copy     skipped: running from " + layout.prefix() + " already");
      return;
    }
    List<Path> sources;
    try (Stream<Path> walk = Files.walk(home)) {
      sources =
          walk.filter(Files::isRegularFile)
              .filter(p -> !p.getFileName().toString().endsWith(".banger-tmp"))
              .filter(p -> !DERIVED.contains(home.relativize(p).toString()))
              .filter(p -> !p.getFileName().toString().startsWith(".banger-cli.aot."))
              .sorted()
              .toList();
    }
    for (Path from : sources) {
      files.copy(from, layout.prefix().resolve(home.relativize(from).toString()));
    }
    out.println("copy     " + home + " -> " + layout.prefix() + " (" + sources.size() + " files)");
  }

  /**
   * PREFIX/bin/banger-aot-train: the AOT cache banger starts from (docs/cli.md, "Start-up"), made
   * for PREFIX's own paths. Best effort: without it banger works, only starts slower (doctor says
   * so).
   */
  private void trainStartupCache(InstallFiles files) throws IOException {
    if (sameDir() && Files.isRegularFile(layout.prefix().resolve("lib/banger-cli.aot"))) {
      keepDerived(files);
      out.println("aot      " + layout.prefix().resolve("lib/banger-cli.aot") + " kept");
      return;
    }
    CommandResult r;
    try {
      r =
          runner.run(
              Command.of(layout.prefix().resolve("bin/banger-aot-train").toString())
                  .timeout(Duration.ofMinutes(2))
                  .build());
    } catch (dev.banger.kit.process.CommandFailedException e) {
      out.println("aot      not trained (" + e.getMessage() + "): banger starts without it");
      return;
    }
    if (r.succeeded()) {
      keepDerived(files);
      out.println("aot      " + r.stdoutText().strip().replace("banger-aot-train: ", ""));
    } else {
      out.println(
          "aot      not trained ("
              + (r.stderrText().isBlank() ? "exit " + r.exitCode() : r.stderrText().strip())
              + "): banger starts without it");
    }
  }

  private void keepDerived(InstallFiles files) throws IOException {
    for (String d : List.of("lib/banger-cli.aot", "lib/banger-cli.jdk")) {
      Path p = layout.prefix().resolve(d);
      if (Files.isRegularFile(p)) {
        // No hash: retraining changes it, and a manifest must not differ between two installs.
        files.keep(new InstallManifest.FileEntry(p.toString(), "derived"));
      }
    }
  }

  private byte[] render(String template, Map<String, String> tokens) throws IOException {
    return SystemTemplates.render(home.resolve("systemd").resolve(template), tokens)
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Written only where there is none; one an earlier install wrote stays (and stays in the
   * manifest).
   */
  private void config(InstallFiles files, Optional<InstallManifest> earlier) throws IOException {
    Path cfg = layout.config();
    Optional<InstallManifest.FileEntry> ours =
        earlier.flatMap(
            m -> m.files().stream().filter(f -> f.path().equals(cfg.toString())).findFirst());
    if (!Files.exists(cfg, LinkOption.NOFOLLOW_LINKS)) {
      String example = Files.readString(home.resolve("conf/config.example.toml"));
      files.write(
          cfg,
          SystemTemplates.config(example, owner).getBytes(StandardCharsets.UTF_8),
          "rw-r--r--");
      out.println("config   " + cfg + " (new: owner = \"" + owner + "\", sockets in group banger)");
      return;
    }
    ours.ifPresent(files::keep);
    out.println("config   " + cfg + " kept (never overwritten)");
    try {
      BangerConfig existing = ConfigLoader.parse(Files.readString(cfg), cfg.toString());
      if (!owner.equals(existing.owner())) {
        out.println(
            "         note: its owner is "
                + (existing.owner() == null ? "not set" : "\"" + existing.owner() + "\"")
                + ", not \""
                + owner
                + "\": set owner = \""
                + owner
                + "\" there");
      }
      String vmUnit = SystemTemplates.vmUnitPrincipal(owner);
      for (ServiceName s : List.of(ServiceName.NET, ServiceName.DISK)) {
        List<String> allow = existing.service(s).allow();
        if (allow == null || !allow.contains(vmUnit)) {
          out.println(
              "         note: [services."
                  + s.id()
                  + "] does not allow \""
                  + vmUnit
                  + "\": "
                  + (allow == null
                      ? "the owner's shell may call " + s.id() + "-service directly"
                      : "vm-service may be refused")
                  + " (docs/deploy.md, \"Who may call what\")");
        }
      }
    } catch (ConfigException | IOException e) {
      out.println("         note: bangerd will refuse it: " + e.getMessage());
    }
  }

  /**
   * Files the earlier install wrote and this one did not (older jars, another prefix), and their
   * empty directories.
   */
  private void removeStale(InstallFiles files, InstallManifest earlier) {
    Set<String> now =
        files.fileEntries().stream()
            .map(InstallManifest.FileEntry::path)
            .collect(Collectors.toSet());
    List<InstallManifest.FileEntry> stale =
        earlier.files().stream().filter(f -> !now.contains(f.path())).toList();
    try {
      int n = InstallRemoval.files(stale, false, out);
      InstallRemoval.emptyDirs(files.dirs(), d -> files.needed(d, layout.manifest()), null);
      files.dropMissingDirs();
      if (n > 0) {
        out.println("removed  " + n + " files of the earlier install that this one does not write");
      }
    } catch (IOException e) {
      throw new CliException("cannot remove files of the earlier install: " + e.getMessage());
    }
  }

  private static Path realOrSelf(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p;
    }
  }
}
