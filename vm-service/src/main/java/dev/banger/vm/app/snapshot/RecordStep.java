package dev.banger.vm.app.snapshot;

import dev.banger.vm.steps.StepContext;
import dev.banger.vm.store.SnapshotRecord;
import dev.banger.vm.store.SnapshotStore;

/** The snapshot's row, written once its files are whole, so a row always has its files. */
final class RecordStep implements SnapshotStep {

  static final String NAME = "record";
  private final SnapshotStore store;

  RecordStep(SnapshotStore store) {
    this.store = store;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(SnapshotState s, StepContext ctx) throws Exception {
    long diskBytes = java.nio.file.Files.size(s.copies().overlay());
    if (s.copies().workDisk().isPresent()) {
      diskBytes += java.nio.file.Files.size(s.copies().workDisk().get());
    }
    SnapshotRecord r =
        SnapshotRecord.of(s.vm())
            .guestIp(s.guest().ip())
            .guestMac(s.guest().mac())
            .id(s.id())
            .name(s.name())
            .directory(s.copies().directory())
            .stateBytes(s.stateBytes())
            .diskBytes(diskBytes)
            .build();
    store.insert(r);
    ctx.onUndo("record of snapshot " + s.name(), () -> store.delete(s.id()));
    s.record(store.find(s.id()).orElseThrow());
  }
}
