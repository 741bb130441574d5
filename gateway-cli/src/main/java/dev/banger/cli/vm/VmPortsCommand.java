package dev.banger.cli.vm;

import dev.banger.api.vm.v1.Vm;
import dev.banger.cli.CliException;
import dev.banger.cli.Output;
import dev.banger.cli.Services;
import dev.banger.cli.guest.GuestPorts;
import dev.banger.cli.guest.GuestShell;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code banger vm ports VM…}: the TCP and UDP sockets listening in each guest ({@code ss} over
 * SSH), as {@code <name>.vm:<port>}, with an {@code http://} link for a TCP port that answers HTTP
 * (asked from here, so only ports the host can reach).
 */
@CommandLine.Command(
    name = "ports",
    description = "List the ports VMs listen on.",
    mixinStandardHelpOptions = true)
public final class VmPortsCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmCommand vm;
  @Mixin Output output;

  @Parameters(arity = "1..*", paramLabel = "VM")
  List<String> refs;

  @Override
  public Integer call() throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    List<GuestPorts.Port> ports =
        new ArrayList<>(); // beside rows, for the table's "guest only" mark
    try (Services s = vm.services()) {
      for (String ref : refs) {
        Vm v = VmCommand.get(s, ref);
        String ip = VmCommand.reachable(v);
        for (GuestPorts.Port p : GuestPorts.parse(ss(s, ip, v.getName()))) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("vm", v.getName());
          row.put("proto", p.proto());
          row.put("address", p.address());
          row.put("port", p.port());
          row.put("endpoint", v.getName() + ".vm:" + p.port());
          row.put("process", p.process());
          boolean http =
              p.proto().equals("tcp") && !p.loopbackOnly() && GuestPorts.speaksHttp(ip, p.port());
          row.put("url", http ? "http://" + v.getName() + ".vm:" + p.port() + "/" : "");
          rows.add(row);
          ports.add(p);
        }
      }
    }
    PrintWriter out = vm.out();
    if (output.json()) {
      out.println(output.render(rows));
      return 0;
    }
    out.printf("%-16s %-5s %-24s %-12s %s%n", "VM", "PROTO", "ENDPOINT", "PROCESS", "URL");
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> r = rows.get(i);
      String endpoint = r.get("endpoint") + (ports.get(i).loopbackOnly() ? " (guest only)" : "");
      out.printf(
          "%-16s %-5s %-24s %-12s %s%n",
          r.get("vm"), r.get("proto"), endpoint, r.get("process"), r.get("url"));
    }
    return 0;
  }

  private static String ss(Services s, String ip, String name) {
    List<String> argv = GuestShell.argvRemote(s, ip, false, GuestPorts.SS);
    try {
      CommandResult r =
          new HostCommandRunner().run(Command.of(argv).timeout(Duration.ofSeconds(60)).build());
      if (!r.succeeded()) {
        throw new CliException(
            "cannot list the ports of vm \""
                + name
                + "\": ssh exited "
                + r.exitCode()
                + " "
                + r.stderrText().strip());
      }
      return r.stdoutText();
    } catch (CommandFailedException e) {
      throw GuestShell.cannotRun(argv, e);
    }
  }
}
