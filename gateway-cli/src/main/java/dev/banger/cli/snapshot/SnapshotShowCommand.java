package dev.banger.cli.snapshot;

import dev.banger.api.vm.v1.GetSnapshotRequest;
import dev.banger.api.vm.v1.Snapshot;
import dev.banger.cli.Output;
import dev.banger.cli.Services;
import dev.banger.cli.Sizes;
import dev.banger.cli.image.ImageCommand;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "show", description = "Show one snapshot.", mixinStandardHelpOptions = true)
public final class SnapshotShowCommand implements Callable<Integer> {
  @CommandLine.ParentCommand SnapshotCommand snapshot;
  @Mixin Output output;

  @Parameters(index = "0", paramLabel = "SNAPSHOT", description = "Snapshot name or id.")
  String ref;

  @Override
  public Integer call() {
    Snapshot x;
    try (Services s = snapshot.services()) {
      x =
          s.snapshots()
              .getSnapshot(GetSnapshotRequest.newBuilder().setSnapshot(ref).build())
              .getSnapshot();
    }
    PrintWriter out = snapshot.out();
    if (output.json()) {
      out.println(output.render(x));
      return 0;
    }
    out.printf("name:     %s%nid:       %s%n", x.getName(), x.getId());
    out.printf("vm:       %s (%s)%n", x.getVmName(), x.getVmId());
    out.printf("image:    %s%nkernel:   %s%n", x.getImage(), x.getKernel());
    out.printf("vcpu:     %d%nmemory:   %d MiB%n", x.getVcpu(), x.getMemoryMib());
    out.printf("driver:   %s%n", x.getDriver());
    out.printf(
        "state:    %s%ndisks:    %s%n",
        Sizes.human(x.getStateBytes()), Sizes.human(x.getDiskBytes()));
    out.printf("created:  %s%n", ImageCommand.created(x.getCreateTime()));
    return 0;
  }
}
