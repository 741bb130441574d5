package dev.banger.cli.system;

import dev.banger.cli.CliException;
import dev.banger.kit.state.StateLayout;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
    name = "restart",
    description =
        "Restart the four services (running VMs survive: vm-service has" + " KillMode=process).",
    mixinStandardHelpOptions = true)
public final class SystemRestartCommand implements Callable<Integer> {
  @CommandLine.ParentCommand SystemCommand system;
  @CommandLine.Mixin SystemCommand.EtcOption etc;

  @Override
  public Integer call() {
    SystemHost host = SystemHost.current.get();
    SystemLayout layout = etc.layout(null, StateLayout.production());
    host.requireRoot("restart");
    InstallManifest m = SystemCommand.installed(layout);
    if (!host.systemd()) {
      throw new CliException(host.noSystemd() + ": nothing to restart");
    }
    new Systemd(host.runner(), system.out())
        .runAll(java.util.List.of(Systemd.systemctl("restart", null, m.units())));
    system.out().println("restarted " + String.join(", ", m.units()));
    return 0;
  }
}
