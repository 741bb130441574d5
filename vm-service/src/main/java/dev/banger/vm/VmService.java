package dev.banger.vm;

import com.google.inject.Inject;
import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.ServiceName;
import dev.banger.vm.app.BootRelease;
import dev.banger.vm.app.Draining;
import dev.banger.vm.app.VmControl;
import dev.banger.vm.app.VmLifecycle;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.VmPause;
import dev.banger.vm.app.VmReconciler;
import dev.banger.vm.app.VmRemoval;
import dev.banger.vm.app.inspect.ConsoleLog;
import dev.banger.vm.app.inspect.VmListing;
import dev.banger.vm.app.inspect.VmSettings;
import dev.banger.vm.app.inspect.VmStats;
import dev.banger.vm.app.snapshot.SnapshotCreate;
import dev.banger.vm.app.snapshot.SnapshotSweep;
import dev.banger.vm.app.snapshot.Snapshots;
import dev.banger.vm.app.start.BootWatch;
import dev.banger.vm.app.start.StartPlan;
import dev.banger.vm.app.workspace.OfflineWorkspace;
import dev.banger.vm.app.workspace.WorkspacePrepare;
import dev.banger.vm.driver.Accelerator;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.driver.KvmProbe;
import dev.banger.vm.driver.QemuDriver;
import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.driver.firecracker.FirecrackerDriver;
import dev.banger.vm.peers.GrpcDiskPort;
import dev.banger.vm.peers.GrpcImagePort;
import dev.banger.vm.peers.GrpcNetPort;
import dev.banger.vm.peers.GrpcSnapshotDisks;
import dev.banger.vm.peers.GrpcWorkDiskTrees;
import dev.banger.vm.peers.PeerChannels;
import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.ports.ImagePort;
import dev.banger.vm.ports.NetPort;
import dev.banger.vm.runtime.ProcHostUsage;
import dev.banger.vm.runtime.VmPaths;
import dev.banger.vm.runtime.VmRuntime;
import dev.banger.vm.runtime.VmmScan;
import dev.banger.vm.store.SnapshotStore;
import dev.banger.vm.store.VmStore;
import dev.banger.vm.workspace.WorkspaceLister;
import io.grpc.BindableService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * vm-service: VM records and their lifecycle (docs/architecture.md §4). It owns the VMM processes,
 * which outlive it (daemonized, their own session); at start-up it re-adopts the ones still
 * running.
 */
public final class VmService implements BangerService {

  private static final Logger LOG = LoggerFactory.getLogger(VmService.class);

  private PeerChannels peers;
  private GuestAccess access;
  private final Draining draining = new Draining();

  /** How long a graceful stop waits for in-flight starts to roll back before closing the peers. */
  static final Duration DRAIN_WAIT = Duration.ofSeconds(60);

  @Inject
  public VmService() {}

  @Override
  public ServiceName name() {
    return ServiceName.VM;
  }

  @Override
  public List<BindableService> start(ServiceContext context) throws Exception {
    VmConfig config = context.config().vmOrDefaults();
    VmPaths paths = new VmPaths(context.layout());
    peers =
        new PeerChannels(
            context.channelTo(ServiceName.DISK),
            context.channelTo(ServiceName.NET),
            context.channelTo(ServiceName.IMAGE));
    NetPort net = new GrpcNetPort(peers);
    DiskPort disk = new GrpcDiskPort(peers, Path.of(System.getProperty("user.home")));
    ImagePort images = new GrpcImagePort(peers, config);
    access = GuestAccessFactory.open(paths.sshDir(), context.commands());
    VmmDriver driver = driver(context, config, paths);
    VmStore store = new VmStore(context.database());
    KeyedLocks locks = new KeyedLocks();
    VmRuntime runtime = new VmRuntime(paths);
    VmmScan scan = new VmmScan(paths);
    StartPlan plan =
        StartPlan.standard(
            net,
            disk,
            access,
            driver,
            paths,
            Duration.ofSeconds(config.bootTimeoutSecondsOrDefault()),
            BootWatch.Settings.DEFAULT,
            context.config().fileSyncOrEmpty());
    var sizing = context.config().vmSizing(dev.banger.kit.config.VmSizing.Host.probe());
    LOG.info(
        "default VM size: {} vCPU ({}), {} MiB ({}), work disk {} bytes ({})",
        sizing.vcpu().value(),
        sizing.vcpu().source(),
        sizing.memoryMib().value(),
        sizing.memoryMib().source(),
        sizing.workDiskBytes().value(),
        sizing.workDiskBytes().source());
    SnapshotStore snapshotStore = new SnapshotStore(context.database());
    dev.banger.vm.app.SnapshotUse snapshotUse = new dev.banger.vm.app.SnapshotUse();
    StartPlan restorePlan =
        StartPlan.restore(
            net,
            disk,
            access,
            driver,
            paths,
            Duration.ofSeconds(config.bootTimeoutSecondsOrDefault()));
    BootRelease release = new BootRelease(runtime, net, scan);
    VmRemoval removal = new VmRemoval(store, net, disk, images, access, paths);
    VmLifecycle lifecycle =
        new VmLifecycle(
            new VmLifecycle.Parts(
                store,
                images,
                plan,
                runtime,
                config,
                sizing,
                driver.name(),
                locks,
                removal,
                draining,
                new VmLifecycle.Restores(restorePlan, snapshotStore, snapshotUse)));
    VmControl control =
        new VmControl(
            new VmControl.Parts(
                store, runtime, lifecycle, release, removal, access, config, locks));
    VmReconciler.Report r =
        new VmReconciler(store, runtime, driver, release, scan, locks)
            .run(task -> Thread.ofVirtual().name("vm-reconcile").start(task));
    LOG.info(
        "vm-service: driver {}, {} VM(s) adopted {}, boot resources released of {}, VMMs stopped of {}",
        driver.name(),
        r.adopted().size(),
        r.adopted(),
        r.released(),
        r.vmmsStopped());
    VmLookup lookup = new VmLookup(store);
    WorkspacePrepare workspaces =
        new WorkspacePrepare(
            store,
            lookup,
            access,
            locks,
            new WorkspaceLister(context.commands()),
            new OfflineWorkspace(disk, images, new GrpcWorkDiskTrees(peers, Duration.ofHours(1))));
    var exec = new dev.banger.vm.app.exec.GuestExec(lookup, access);
    GrpcSnapshotDisks snapshotDisks = new GrpcSnapshotDisks(peers);
    SnapshotSweep sweep = new SnapshotSweep(paths.snapshotsRoot(), snapshotStore, snapshotDisks);
    List<String> orphans = sweep.orphans();
    if (!orphans.isEmpty()) {
      Thread.ofVirtual()
          .name("snapshot-sweep")
          .start(
              () -> {
                try {
                  sweep.remove(orphans, 15, 2000);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
    }
    return List.of(
        new SnapshotGrpcService(
            new SnapshotCreate(
                store,
                snapshotStore,
                runtime,
                control,
                locks,
                snapshotDisks,
                access,
                SnapshotCreate.usableSpace(paths.snapshotsRoot())),
            new Snapshots(snapshotStore, snapshotDisks, locks, snapshotUse),
            context.operations()),
        new VmGrpcService(
            new VmGrpcService.UseCases(
                lifecycle,
                control,
                new VmPause(store, runtime, control, locks),
                new VmListing(store, control),
                new ConsoleLog(lookup, paths),
                new VmStats(runtime, new ProcHostUsage(context.commands())),
                new VmSettings(store, lookup, locks),
                workspaces,
                exec,
                new dev.banger.vm.app.exec.GuestFiles(exec)),
            context.operations()));
  }

  private static VmmDriver driver(ServiceContext context, VmConfig config, VmPaths paths) {
    if (config.driverOrDefault().equals("firecracker")) {
      // Untested against a real Firecracker here (docs/vm-service.md): the stub is the contract.
      return new FirecrackerDriver(
          context.commands(), List.of(config.firecrackerBinaryOrDefault()));
    }
    switch (config.accelOrDefault()) {
      case "kvm":
        return new QemuDriver(context.commands(), Accelerator.KVM);
      case "tcg":
        return new QemuDriver(context.commands(), Accelerator.TCG);
      default:
        // "auto": KVM only where a probe saw it boot the kernel (docs/architecture.md §8: /dev/kvm
        // on our
        // machines hangs stock kernels); the verdict is cached per kernel file.
        KvmProbe probe =
            new KvmProbe(
                context.commands(),
                context.layout().kvmProbeCache(),
                paths.runRoot().resolve("probe"));
        return new QemuDriver(
            context.commands(),
            kernel -> {
              try {
                KvmProbe.Verdict v = probe.verdict(kernel);
                LOG.info(
                    "QEMU accelerator for {}: {} ({})",
                    kernel.getFileName(),
                    v.accel(),
                    v.reason());
                return v.accel();
              } catch (java.io.IOException e) {
                throw new DriverException(
                    "KVM probe of " + kernel + " failed: " + e.getMessage(), e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DriverException("KVM probe of " + kernel + " interrupted", e);
              }
            });
    }
  }

  /**
   * Graceful stop, first half: starts under way see themselves cancelled and roll back while the
   * peer channels are still open; their callers are told UNAVAILABLE with what became of each VM.
   * New operations are refused meanwhile.
   */
  @Override
  public void drain() {
    draining.begin();
    int running = draining.running();
    if (running == 0) {
      return;
    }
    LOG.info("vm-service stopping: rolling back {} operation(s) under way", running);
    try {
      if (!draining.awaitIdle(DRAIN_WAIT)) {
        LOG.warn(
            "vm-service stopping: {} operation(s) still under way after {} s",
            draining.running(),
            DRAIN_WAIT.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void stop() {
    if (peers != null) {
      peers.close();
    }
    if (access instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("closing the SSH client: {}", e.toString());
      }
    }
  }
}
