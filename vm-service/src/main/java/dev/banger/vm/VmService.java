package dev.banger.vm;

import com.google.inject.Inject;
import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.ServiceName;
import dev.banger.vm.driver.Accelerator;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.driver.KvmProbe;
import dev.banger.vm.driver.QemuDriver;
import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.driver.firecracker.FirecrackerDriver;
import dev.banger.vm.store.VmStore;
import io.grpc.BindableService;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * vm-service: VM records and their lifecycle (DESIGN.md §4). It owns the VMM processes, which
 * outlive it (daemonized, their own session); at start-up it re-adopts the ones still running.
 */
public final class VmService implements BangerService {

  private static final Logger LOG = LoggerFactory.getLogger(VmService.class);

  private final StepFaults faults;
  private Peers peers;
  private GuestAccess access;

  @Inject
  public VmService(StepFaults faults) {
    this.faults = faults;
  }

  public VmService() {
    this(StepFaults.NONE);
  }

  @Override
  public ServiceName name() {
    return ServiceName.VM;
  }

  @Override
  public List<BindableService> start(ServiceContext context) throws Exception {
    VmConfig config = context.config().vmOrDefaults();
    VmPaths paths = new VmPaths(context.layout());
    peers = new Peers(context.channelTo(ServiceName.DISK), context.channelTo(ServiceName.NET),
        context.channelTo(ServiceName.IMAGE));
    access = GuestAccessFactory.open(paths.sshDir(), context.commands());
    VmmDriver driver = driver(context, config, paths);
    VmStore store = new VmStore(context.database());
    KeyedLocks locks = new KeyedLocks();
    VmRuntime runtime = new VmRuntime(paths);
    StartPlan plan = new StartPlan(peers, driver, access, faults, paths,
        Duration.ofSeconds(config.bootTimeoutSecondsOrDefault()), context.config().fileSyncOrEmpty());
    var sizing = context.config().vmSizing(dev.banger.kit.config.VmSizing.Host.probe());
    LOG.info("default VM size: {} vCPU ({}), {} MiB ({}), work disk {} bytes ({})", sizing.vcpu().value(),
        sizing.vcpu().source(), sizing.memoryMib().value(), sizing.memoryMib().source(),
        sizing.workDiskBytes().value(), sizing.workDiskBytes().source());
    VmResolver resolver = new VmResolver(peers, config);
    VmLifecycle lifecycle = new VmLifecycle(store, peers, resolver, plan, runtime, config,
        sizing, driver.name(), locks);
    VmControl control = new VmControl(store, peers, runtime, lifecycle, access, config, locks);
    VmReconciler.Report r = new VmReconciler(store, runtime, driver, lifecycle).run();
    LOG.info("vm-service: driver {}, {} VM(s) adopted {}, {} marked stopped {}", driver.name(), r.adopted().size(),
        r.adopted(), r.stopped().size(), r.stopped());
    VmInspect inspect = new VmInspect(store, lifecycle, runtime, locks, context.commands());
    VmWorkspaces workspaces = new VmWorkspaces(store, lifecycle, access, locks, context.commands(),
        new OfflineWorkspace(peers, resolver, Duration.ofHours(1)));
    return List.of(new VmGrpcService(store, lifecycle, control, inspect, workspaces, context.operations()));
  }

  private static VmmDriver driver(ServiceContext context, VmConfig config, VmPaths paths) {
    if (config.driverOrDefault().equals("firecracker")) {
      // Untested against a real Firecracker here (docs/vm-service.md): the stub is the contract.
      return new FirecrackerDriver(context.commands(), List.of(config.firecrackerBinaryOrDefault()));
    }
    switch (config.accelOrDefault()) {
      case "kvm":
        return new QemuDriver(context.commands(), Accelerator.KVM);
      case "tcg":
        return new QemuDriver(context.commands(), Accelerator.TCG);
      default:
        // "auto": KVM only where a probe saw it boot the kernel (DESIGN.md §8: /dev/kvm on our
        // machines hangs stock kernels); the verdict is cached per kernel file.
        KvmProbe probe = new KvmProbe(context.commands(), paths.libDir().resolve("kvm-probe.json"),
            paths.runRoot().resolve("probe"));
        return new QemuDriver(context.commands(), kernel -> {
          try {
            KvmProbe.Verdict v = probe.verdict(kernel);
            LOG.info("QEMU accelerator for {}: {} ({})", kernel.getFileName(), v.accel(), v.reason());
            return v.accel();
          } catch (java.io.IOException e) {
            throw new DriverException("KVM probe of " + kernel + " failed: " + e.getMessage(), e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("KVM probe of " + kernel + " interrupted", e);
          }
        });
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
