package dev.banger.cli.system;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.banger.cli.Output;
import dev.banger.cli.ServiceHealth;
import dev.banger.kit.state.StateLayout;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code banger system status}: is it installed (the manifest), is each unit file there, what
 * systemd says of each unit (when systemd runs), and each socket's health ({@link ServiceHealth},
 * as {@code banger status}). Exit 0 when installed with every unit file present and all four
 * sockets serving, 1 otherwise.
 */
@Command(
    name = "status",
    description = "Show whether banger's units are installed, enabled and running.",
    mixinStandardHelpOptions = true)
public final class SystemStatusCommand implements Callable<Integer> {

  @CommandLine.ParentCommand SystemCommand system;
  @CommandLine.Mixin SystemCommand.EtcOption etc;
  @CommandLine.Mixin Output output;

  @Option(
      names = "--timeout",
      defaultValue = "2",
      paramLabel = "SECONDS",
      description = "Per-socket deadline (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  /**
   * One unit: its file under ETC, and systemd's is-active/is-enabled words (null when systemd is
   * not running).
   */
  record UnitRow(String unit, String file, boolean installed, String active, String enabled) {}

  record Report(
      boolean installed,
      String manifest,
      String owner,
      String prefix,
      boolean systemd,
      @JsonProperty("systemd_detail") String systemdDetail,
      List<UnitRow> units,
      List<ServiceHealth.Row> sockets) {}

  @Override
  public Integer call() throws Exception {
    boolean json = output.json();
    SystemHost host = SystemHost.current.get();
    SystemLayout layout = etc.layout(null, StateLayout.production());
    Optional<InstallManifest> m = InstallManifest.read(layout.manifest());
    List<String> units =
        m.map(InstallManifest::units)
            .orElse(
                SystemLayout.units("OWNER").stream().map(u -> u.replace("@OWNER", "@")).toList());
    Systemd systemd = new Systemd(host.runner(), system.out());
    List<UnitRow> rows = new ArrayList<>();
    for (String u : units) {
      boolean file = Files.isRegularFile(layout.unitFile(u));
      rows.add(
          new UnitRow(
              u,
              layout.unitFile(u).toString(),
              file,
              host.systemd() && m.isPresent() ? systemd.query("is-active", u) : null,
              host.systemd() && m.isPresent() ? systemd.query("is-enabled", u) : null));
    }
    List<ServiceHealth.Row> sockets = ServiceHealth.probeAll(system.layout(), timeoutSeconds);
    Report r =
        new Report(
            m.isPresent(),
            layout.manifest().toString(),
            m.map(InstallManifest::owner).orElse(null),
            m.map(InstallManifest::prefix).orElse(null),
            host.systemd(),
            host.systemd() ? "running" : host.noSystemd(),
            rows,
            sockets);
    if (json) {
      system.out().println(output.render(r));
    } else {
      table(r, system.out());
    }
    boolean ok =
        r.installed()
            && rows.stream().allMatch(UnitRow::installed)
            && sockets.stream().allMatch(ServiceHealth.Row::serving);
    return ok ? 0 : 1;
  }

  private static void table(Report r, PrintWriter out) {
    out.println(
        r.installed()
            ? "installed: yes (owner "
                + r.owner()
                + ", prefix "
                + r.prefix()
                + "; "
                + r.manifest()
                + ")"
            : "installed: no (no " + r.manifest() + ")");
    out.println("systemd:   " + r.systemdDetail());
    out.printf("%-28s %-10s %-10s %-10s%n", "UNIT", "FILE", "ACTIVE", "ENABLED");
    for (UnitRow u : r.units()) {
      out.printf(
          "%-28s %-10s %-10s %-10s%n",
          u.unit(),
          u.installed() ? "installed" : "missing",
          u.active() == null ? "-" : u.active(),
          u.enabled() == null ? "-" : u.enabled());
    }
    out.printf("%-6s %-12s %s%n", "SOCKET", "STATE", "PATH");
    for (ServiceHealth.Row s : r.sockets()) {
      out.printf(
          "%-6s %-12s %s%s%n",
          s.service(), s.state(), s.socket(), s.detail().isEmpty() ? "" : "  (" + s.detail() + ")");
    }
  }
}
