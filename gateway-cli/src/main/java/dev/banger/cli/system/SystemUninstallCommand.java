package dev.banger.cli.system;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.state.StateLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code banger system uninstall [--purge]}: the units stopped and disabled (when systemd runs and
 * reads this ETC), then exactly the files and directories the manifest lists, then the manifest.
 * {@code --purge} also removes files changed since install and the state roots (/var/lib/banger,
 * /var/cache/banger, /run/banger). No manifest: nothing is installed, exit 0. Users and groups made
 * by systemd-sysusers stay (sysusers never removes them).
 */
@CommandLine.Command(
    name = "uninstall",
    description = "Stop banger's units and remove what 'system install' wrote.",
    mixinStandardHelpOptions = true)
public final class SystemUninstallCommand implements Callable<Integer> {

  @CommandLine.ParentCommand SystemCommand system;
  @CommandLine.Mixin SystemCommand.EtcOption etc;

  @Option(
      names = "--purge",
      description =
          "Also remove banger's state: /var/lib/banger, /var/cache/banger, /run/banger"
              + " (images, VMs' disks, databases), and installed files changed since install.")
  boolean purge;

  /** Tests only: purge DIR/lib, DIR/cache and DIR/run instead of the production roots. */
  @Option(names = "--state-root", paramLabel = "DIR", hidden = true)
  Path stateRoot;

  @Override
  public Integer call() throws IOException {
    StateLayout state =
        stateRoot == null
            ? StateLayout.production()
            : StateLayout.under(SystemLayout.absolute("--state-root", stateRoot));
    SystemLayout layout = etc.layout(null, state);
    SystemHost host = SystemHost.current.get();
    host.requireRoot("uninstall");
    PrintWriter out = system.out();
    Optional<InstallManifest> found = InstallManifest.read(layout.manifest());
    boolean ok = true;
    if (found.isEmpty()) {
      out.println("nothing is installed: no " + layout.manifest());
    } else {
      ok = remove(host, layout, found.get(), out);
    }
    if (purge) {
      ok &= purge(host, state, out);
    }
    return ok ? 0 : 1;
  }

  private boolean remove(SystemHost host, SystemLayout layout, InstallManifest m, PrintWriter out)
      throws IOException {
    boolean systemdHere = host.systemd() && layout.etc().equals(host.systemdEtc());
    Systemd systemd = new Systemd(host.runner(), out);
    boolean ok = true;
    if (systemdHere) {
      // A VM's VMM outlives vm-service (KillMode=process): stop VMs first to stop them.
      ok = systemd.tryRun(Systemd.systemctl("disable", "--now", m.units()));
    } else {
      out.println(
          "units    not stopped: "
              + (host.systemd()
                  ? "systemd reads " + host.systemdEtc() + ", not " + layout.etc()
                  : host.noSystemd()));
    }
    int removed = InstallRemoval.files(m.files(), purge, out);
    out.println("removed  " + removed + " of " + m.files().size() + " installed files");
    Files.deleteIfExists(layout.manifest());
    out.println("removed  " + layout.manifest());
    List<String> left = InstallRemoval.emptyDirs(m.dirs(), d -> false, out);
    out.println(
        "removed  "
            + (m.dirs().size() - left.size())
            + " of "
            + m.dirs().size()
            + " directories install made");
    if (systemdHere) {
      ok &= systemd.tryRun(Systemd.systemctl("daemon-reload", null, List.of()));
    }
    out.println(
        "users    banger-image, banger-net and group banger stay (systemd-sysusers never removes users)");
    return ok;
  }

  /**
   * {@code rm -rf --one-file-system}: a filesystem still mounted below (a VM's) is not walked into.
   */
  private static boolean purge(SystemHost host, StateLayout state, PrintWriter out) {
    boolean ok = true;
    for (Path root : List.of(state.libDir(), state.cacheDir(), state.runDir())) {
      if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
        out.println("purge    " + root + " (not there)");
        continue;
      }
      try {
        CommandResult r =
            host.runner()
                .run(
                    Command.of("rm", "-rf", "--one-file-system", "--", root.toString())
                        .timeout(Duration.ofMinutes(10))
                        .build());
        if (r.succeeded()) {
          out.println("purge    " + root + " removed");
        } else {
          ok = false;
          out.println(
              "purge    "
                  + root
                  + " not fully removed (rm exited "
                  + r.exitCode()
                  + "): "
                  + r.stderrText().strip());
        }
      } catch (CommandFailedException e) {
        ok = false;
        out.println("purge    " + root + " not removed: " + e.getMessage());
      }
    }
    return ok;
  }
}
