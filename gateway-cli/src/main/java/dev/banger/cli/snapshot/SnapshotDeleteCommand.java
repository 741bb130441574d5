package dev.banger.cli.snapshot;

import dev.banger.api.vm.v1.DeleteSnapshotRequest;
import dev.banger.cli.FanOut;
import dev.banger.cli.Services;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "delete",
    aliases = "rm",
    description = "Delete snapshots: their saved memory and disk copies.",
    mixinStandardHelpOptions = true)
public final class SnapshotDeleteCommand implements Callable<Integer> {
  @CommandLine.ParentCommand SnapshotCommand snapshot;

  @Parameters(arity = "1..*", paramLabel = "SNAPSHOT", description = "Snapshot names or ids.")
  List<String> refs;

  @Override
  public Integer call() {
    try (Services s = snapshot.services()) {
      return FanOut.each(
          refs,
          ref -> {
            s.snapshots()
                .deleteSnapshot(
                    DeleteSnapshotRequest.newBuilder()
                        .setSnapshot(ref)
                        .setRequestId(UUID.randomUUID().toString())
                        .build());
            return ref + " deleted";
          },
          snapshot.out(),
          snapshot.err(),
          snapshot.debug());
    }
  }
}
