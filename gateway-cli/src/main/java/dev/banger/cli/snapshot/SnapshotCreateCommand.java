package dev.banger.cli.snapshot;

import dev.banger.api.vm.v1.CreateSnapshotRequest;
import dev.banger.api.vm.v1.CreateSnapshotResponse;
import dev.banger.api.vm.v1.Snapshot;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "create",
    description =
        "Snapshot a running VM: paused for a moment, its disks copied and its memory saved, then"
            + " resumed (a paused VM stays paused). Prints the snapshot's name.",
    mixinStandardHelpOptions = true)
public final class SnapshotCreateCommand implements Callable<Integer> {
  @CommandLine.ParentCommand SnapshotCommand snapshot;

  @Parameters(index = "0", paramLabel = "VM", description = "VM name or id.")
  String vm;

  @Option(
      names = "--name",
      required = true,
      paramLabel = "NAME",
      description = "The snapshot's name: 1-63 of a-z, 0-9 and '-'.")
  String name;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress.")
  boolean quiet;

  @Override
  public Integer call() {
    try (Services s = snapshot.services()) {
      Snapshot taken =
          ProgressPrinter.drain(
              s.snapshotsLong()
                  .createSnapshot(
                      CreateSnapshotRequest.newBuilder()
                          .setRequestId(UUID.randomUUID().toString())
                          .setVm(vm)
                          .setName(name)
                          .build()),
              (CreateSnapshotResponse r) -> r.hasProgress() ? r.getProgress() : null,
              CreateSnapshotResponse::getSnapshot,
              new ProgressPrinter(snapshot.err(), ProgressPrinter.stderrIsTerminal(), quiet));
      snapshot.out().println(taken.getName());
      return 0;
    }
  }
}
