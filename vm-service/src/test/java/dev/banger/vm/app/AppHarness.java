package dev.banger.vm.app;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.kit.config.VmSizing;
import dev.banger.kit.db.SqliteDatabase;
import dev.banger.kit.state.StateLayout;
import dev.banger.vm.app.start.BootWatch;
import dev.banger.vm.app.start.StartPlan;
import dev.banger.vm.fakes.FakeDisk;
import dev.banger.vm.fakes.FakeDriver;
import dev.banger.vm.fakes.FakeGuest;
import dev.banger.vm.fakes.FakeHost;
import dev.banger.vm.fakes.FakeImages;
import dev.banger.vm.fakes.FakeNet;
import dev.banger.vm.runtime.VmPaths;
import dev.banger.vm.runtime.VmRuntime;
import dev.banger.vm.runtime.VmmScan;
import dev.banger.vm.store.VmStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** vm-service's use cases wired to fake ports, a real SQLite store and real process scanning. */
public final class AppHarness {

  public final FakeHost host = new FakeHost();
  public final FakeNet net = new FakeNet(host);
  public final FakeImages images = new FakeImages(host);
  public final FakeDriver driver = new FakeDriver(host);
  public final FakeGuest guest = new FakeGuest(host);
  public final FakeDisk disk;
  public final VmPaths paths;
  public final SqliteDatabase db;
  public final VmStore store;
  public final VmRuntime runtime;
  public final VmmScan scan;
  public final KeyedLocks locks = new KeyedLocks();
  public final Draining draining = new Draining();
  public final BootRelease release;
  public final VmLifecycle lifecycle;
  public final VmControl control;
  public final VmPause pause;

  /** What the snapshots' file system has free, as SnapshotCreate asks it. */
  public volatile long freeBytes = 1L << 40;

  public final dev.banger.vm.fakes.FakeSnapshotDisks snapshotDisks;
  public final dev.banger.vm.store.SnapshotStore snapshotStore;
  public final dev.banger.vm.app.snapshot.SnapshotCreate snapshotCreate;
  public final dev.banger.vm.app.snapshot.Snapshots snapshots;
  public final SnapshotUse snapshotUse = new SnapshotUse();

  public AppHarness(Path dir) throws Exception {
    StateLayout layout = StateLayout.under(dir.resolve("state"));
    paths = new VmPaths(layout);
    Files.createDirectories(dir.resolve("disks"));
    Files.createDirectories(dir.resolve("db"));
    db = SqliteDatabase.open(dir.resolve("db/vm.db"), "vm", "db/migration/vm");
    store = new VmStore(db);
    runtime = new VmRuntime(paths);
    scan = new VmmScan(paths);
    disk = new FakeDisk(host, dir.resolve("disks"));
    StartPlan plan =
        StartPlan.standard(
            net,
            disk,
            guest,
            driver,
            paths,
            Duration.ofSeconds(30),
            BootWatch.Settings.DEFAULT,
            List.of());
    VmSizing.Resolved sizing =
        new VmSizing.Resolved(
            new VmSizing.Value(1, "test"),
            new VmSizing.Value(512, "test"),
            new VmSizing.Value(1L << 30, "test"));
    snapshotStore = new dev.banger.vm.store.SnapshotStore(db);
    StartPlan restorePlan =
        StartPlan.restore(net, disk, guest, driver, paths, Duration.ofSeconds(30));
    release = new BootRelease(runtime, net, scan);
    VmRemoval removal = new VmRemoval(store, net, disk, images, guest, paths);
    lifecycle =
        new VmLifecycle(
            new VmLifecycle.Parts(
                store,
                images,
                plan,
                runtime,
                VmConfig.empty(),
                sizing,
                "qemu",
                locks,
                removal,
                draining,
                new VmLifecycle.Restores(restorePlan, snapshotStore, snapshotUse)));
    control =
        new VmControl(
            new VmControl.Parts(
                store, runtime, lifecycle, release, removal, guest, VmConfig.empty(), locks));
    pause = new VmPause(store, runtime, control, locks);
    snapshotDisks = new dev.banger.vm.fakes.FakeSnapshotDisks(host, dir.resolve("snapshots"));
    snapshotCreate =
        new dev.banger.vm.app.snapshot.SnapshotCreate(
            store, snapshotStore, runtime, control, locks, snapshotDisks, guest, () -> freeBytes);
    snapshots =
        new dev.banger.vm.app.snapshot.Snapshots(snapshotStore, snapshotDisks, locks, snapshotUse);
  }

  public VmReconciler reconciler() {
    return new VmReconciler(store, runtime, driver, release, scan, locks);
  }

  /** A VM on record in {@code state}, as the use cases find one: 1 vCPU, 512 MiB, 1 GiB disks. */
  public dev.banger.vm.store.VmRecord recordVm(String name, dev.banger.vm.store.VmState state)
      throws Exception {
    return recordVm(name, state, null);
  }

  /** {@link #recordVm} created by the user {@code ownerUid} (null: no recorded owner). */
  public dev.banger.vm.store.VmRecord recordVm(
      String name, dev.banger.vm.store.VmState state, Integer ownerUid) throws Exception {
    dev.banger.vm.store.VmRecord v =
        dev.banger.vm.store.VmRecord.builder()
            .id(java.util.UUID.randomUUID().toString())
            .name(name)
            .image("img-1")
            .kernel("k-1")
            .vcpu(1)
            .memoryMib(512)
            .workDiskBytes(1L << 30)
            .systemOverlayBytes(1L << 30)
            .driver("qemu")
            .ownerUid(ownerUid)
            .build();
    store.insert(v);
    store.setState(v.id(), state, null);
    return store.find(v.id()).orElseThrow();
  }

  /** {@link #recordVm} with an address, as a running VM has one. */
  public dev.banger.vm.store.VmRecord recordVmWithAddress(
      String name, dev.banger.vm.store.VmState state) throws Exception {
    dev.banger.vm.store.VmRecord v = recordVm(name, state);
    store.setNetwork(v.id(), "172.30.0.2", "02:00:00:00:00:02");
    return store.find(v.id()).orElseThrow();
  }

  public static CreateRequest create(String name) {
    return new CreateRequest("", name, "", "", 0, 0, 0, 0, false, "", false, false, null);
  }

  public static CreateRequest create(String requestId, String name, int vcpu) {
    return new CreateRequest(requestId, name, "", "", vcpu, 0, 0, 0, false, "", false, false, null);
  }
}
