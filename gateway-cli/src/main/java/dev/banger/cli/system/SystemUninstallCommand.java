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
 * /var/cache/banger, /run/banger) and the accounts install made (users banger-image and banger-net,
 * group banger). No manifest: nothing is installed, exit 0.
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
              + " (images, VMs' disks, databases), installed files changed since install, and"
              + " the users banger-image and banger-net and the group banger.")
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
      if (stateRoot == null) {
        // Only for the production install: a --state-root run (tests) never touches accounts.
        ok &= purgeAccounts(host, out);
      }
    }
    return ok ? 0 : 1;
  }

  private boolean remove(SystemHost host, SystemLayout layout, InstallManifest m, PrintWriter out)
      throws IOException {
    boolean systemdHere = host.systemd() && layout.etc().equals(host.systemdEtc());
    Systemd systemd = new Systemd(host.runner(), out);
    boolean ok = true;
    if (systemdHere) {
      if (purge && stateRoot == null) {
        // While net-service still runs: only it knows which links are its own.
        ok = NetworkPurge.removeBridge(StateLayout.production(), out);
      }
      // A VM's VMM outlives vm-service (KillMode=process): stop VMs first to stop them.
      ok &= systemd.tryRun(Systemd.systemctl("disable", "--now", m.units()));
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
    if (!purge) {
      out.println("users    banger-image, banger-net and group banger stay (--purge removes them)");
    }
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

  /**
   * The accounts banger.sysusers.conf makes: systemd-sysusers never removes users, so purge does,
   * with the shadow tools. The owner's membership of banger goes with the group.
   */
  private static boolean purgeAccounts(SystemHost host, PrintWriter out) {
    boolean ok = true;
    for (String user : List.of("banger-image", "banger-net")) {
      if (host.userExists(user)) {
        ok &= account(host, out, Command.of("userdel", user), "user " + user);
      }
    }
    if (host.groupExists("banger")) {
      ok &= account(host, out, Command.of("groupdel", "banger"), "group banger");
    }
    return ok;
  }

  private static boolean account(
      SystemHost host, PrintWriter out, Command.Builder cmd, String what) {
    try {
      CommandResult r = host.runner().run(cmd.timeout(Duration.ofMinutes(1)).build());
      out.println(
          r.succeeded()
              ? "purge    " + what + " removed"
              : "purge    " + what + " not removed: " + r.stderrText().strip());
      return r.succeeded();
    } catch (CommandFailedException e) {
      out.println("purge    " + what + " not removed: " + e.getMessage());
      return false;
    }
  }
}
