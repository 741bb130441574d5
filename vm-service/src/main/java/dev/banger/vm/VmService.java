package dev.banger.vm;

import com.google.inject.Inject;
import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.ServiceName;
import dev.banger.vm.driver.Accelerator;
import dev.banger.vm.driver.QemuDriver;
import dev.banger.vm.driver.VmmDriver;
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
    access = GuestAccessFactory.open(paths.sshDir());
    VmmDriver driver = driver(context, config);
    VmStore store = new VmStore(context.database());
    KeyedLocks locks = new KeyedLocks();
    VmRuntime runtime = new VmRuntime(paths);
    StartPlan plan = new StartPlan(peers, driver, access, faults, paths,
        Duration.ofSeconds(config.bootTimeoutSecondsOrDefault()));
    VmLifecycle lifecycle = new VmLifecycle(store, peers, new VmResolver(peers, config), plan, runtime, config,
        driver.name(), locks);
    VmControl control = new VmControl(store, peers, runtime, lifecycle, access, config, locks);
    VmReconciler.Report r = new VmReconciler(store, runtime, driver, lifecycle).run();
    LOG.info("vm-service: driver {}, {} VM(s) adopted {}, {} marked stopped {}", driver.name(), r.adopted().size(),
        r.adopted(), r.stopped().size(), r.stopped());
    VmInspect inspect = new VmInspect(store, lifecycle, runtime, locks, context.commands());
    return List.of(new VmGrpcService(store, lifecycle, control, inspect, context.operations()));
  }

  private static VmmDriver driver(ServiceContext context, VmConfig config) {
    if (config.driverOrDefault().equals("firecracker")) {
      throw new IllegalStateException("[vm] driver = \"firecracker\" is not wired in this build yet");
    }
    // "auto": KVM only once a probe shows it boots our kernel (DESIGN.md §8: /dev/kvm here hangs
    // stock kernels). The probe is not built yet, so auto means TCG.
    Accelerator accel = config.accelOrDefault().equals("kvm") ? Accelerator.KVM : Accelerator.TCG;
    LOG.info("vm-service: QEMU with {} (accel = \"{}\")", accel, config.accelOrDefault());
    return new QemuDriver(context.commands(), accel);
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
