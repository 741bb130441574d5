package dev.banger.cli.vm;

import dev.banger.api.vm.v1.GetVmLogsRequest;
import dev.banger.api.vm.v1.GetVmLogsResponse;
import dev.banger.cli.Services;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code banger vm logs NAME [-f]}: the VM's serial console (UTF-8) to stdout. */
@Command(
    name = "logs",
    description = "Show a VM's serial console.",
    mixinStandardHelpOptions = true)
public final class VmLogsCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmCommand vm;

  @Parameters(index = "0", paramLabel = "VM")
  String ref;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing as the console grows (Ctrl-C ends).")
  boolean follow;

  @Option(
      names = {"-n", "--tail"},
      paramLabel = "LINES",
      description = "Only the last LINES lines.")
  int tail;

  @Override
  public Integer call() {
    java.io.PrintWriter out = vm.out();
    try (Services s = vm.services()) {
      var stub =
          dev.banger.api.vm.v1.VmServiceGrpc.newBlockingStub(
              s.channel(dev.banger.kit.state.ServiceName.VM));
      if (!follow) {
        stub = stub.withDeadlineAfter(Services.SHORT_DEADLINE_SECONDS, TimeUnit.SECONDS);
      }
      Iterator<GetVmLogsResponse> it =
          stub.getVmLogs(
              GetVmLogsRequest.newBuilder()
                  .setVm(ref)
                  .setFollow(follow)
                  .setTailLines(Math.max(0, tail))
                  .build());
      while (it.hasNext()) {
        out.print(it.next().getData().toStringUtf8());
        out.flush();
      }
    }
    return 0;
  }
}
