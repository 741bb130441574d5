package dev.banger.cli.snapshot;

import dev.banger.api.vm.v1.ListSnapshotsRequest;
import dev.banger.api.vm.v1.Snapshot;
import dev.banger.cli.Output;
import dev.banger.cli.Services;
import dev.banger.cli.Sizes;
import dev.banger.cli.image.ImageCommand;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "list",
    aliases = "ls",
    description = "List snapshots.",
    mixinStandardHelpOptions = true)
public final class SnapshotListCommand implements Callable<Integer> {
  @CommandLine.ParentCommand SnapshotCommand snapshot;
  @Mixin Output output;

  @Option(
      names = {"-q", "--quiet"},
      description = "Names only, one per line (for scripts).")
  boolean quiet;

  @Override
  public Integer call() {
    List<Snapshot> all;
    try (Services s = snapshot.services()) {
      all =
          s.snapshots().listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getSnapshotsList();
    }
    PrintWriter out = snapshot.out();
    if (quiet) {
      all.forEach(x -> out.println(x.getName()));
      return 0;
    }
    if (output.json()) {
      out.println(output.render(all));
      return 0;
    }
    out.printf(
        "%-24s %-24s %4s %8s %9s %9s  %s%n",
        "NAME", "VM", "VCPU", "MEMORY", "STATE", "DISKS", "CREATED");
    for (Snapshot x : all) {
      out.printf(
          "%-24s %-24s %4d %8s %9s %9s  %s%n",
          x.getName(),
          x.getVmName(),
          x.getVcpu(),
          x.getMemoryMib() + "M",
          Sizes.human(x.getStateBytes()),
          Sizes.human(x.getDiskBytes()),
          ImageCommand.created(x.getCreateTime()));
    }
    return 0;
  }
}
