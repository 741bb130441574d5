package dev.banger.vm;

import dev.banger.api.disk.v1.CreateOverlayRequest;
import dev.banger.api.disk.v1.CreateWorkDiskRequest;
import dev.banger.api.disk.v1.Overlay;
import dev.banger.api.disk.v1.RemoveOverlayRequest;
import dev.banger.api.disk.v1.RemoveWorkDiskRequest;
import dev.banger.api.disk.v1.WorkDisk;
import dev.banger.api.net.v1.AcquireTapRequest;
import dev.banger.api.net.v1.EnableNatRequest;
import dev.banger.api.net.v1.EnsureBridgeRequest;
import dev.banger.api.net.v1.Lease;
import dev.banger.api.net.v1.LeaseIpRequest;
import dev.banger.api.net.v1.LeaseIpResponse;
import dev.banger.api.net.v1.ReleaseIpRequest;
import dev.banger.api.net.v1.ReleaseTapRequest;
import dev.banger.api.net.v1.Tap;
import dev.banger.kit.config.FileSyncEntry;
import dev.banger.vm.driver.LaunchSpec;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.runtime.Handles;
import dev.banger.vm.runtime.HandlesFile;
import dev.banger.vm.steps.Step;
import dev.banger.vm.store.VmRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The steps of one VM start (DESIGN.md §4), each registering the undo of what it acquired. The
 * lease comes before the overlay's guest config because that config carries the leased address.
 * Disks and the lease outlive a stop (the work disk is the user's data; the overlay holds the
 * guest's host keys, which banger has pinned), so their undos are registered only on a VM's
 * first start, when this start made them; the tap and the VMM are per boot and always undone.
 */
final class StartPlan {

  /** Stage names, in order, as Progress events carry them. */
  static final String LEASE = "ip-lease";
  static final String OVERLAY = "rootfs-overlay";
  static final String GUEST_CONFIG = "guest-config";
  static final String WORK_DISK = "work-disk";
  static final String TAP = "tap";
  static final String LAUNCH = "launch-vmm";
  static final String READY = "ssh-ready";
  static final String[] STAGES = {LEASE, OVERLAY, GUEST_CONFIG, WORK_DISK, TAP, LAUNCH, READY};

  /** What the steps hand to each other, and the result once all ran. */
  static final class Outcome {
    Lease lease;
    Overlay overlay;
    WorkDisk workDisk;
    Tap tap;
    RunningVm vmm;
    Handles handles;
    LaunchSpec launch;
  }

  private final Peers peers;
  private final VmmDriver driver;
  private final GuestAccess access;
  private final StepFaults faults;
  private final VmPaths paths;
  private final Duration bootTimeout;
  private final List<FileSyncEntry> fileSync;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StartPlan.class);

  StartPlan(Peers peers, VmmDriver driver, GuestAccess access, StepFaults faults, VmPaths paths,
      Duration bootTimeout, List<FileSyncEntry> fileSync) {
    this.fileSync = fileSync;
    this.peers = peers;
    this.driver = driver;
    this.access = access;
    this.faults = faults;
    this.paths = paths;
    this.bootTimeout = bootTimeout;
  }

  /**
   * @param firstStart true when the VM never ran: the lease and disks this start makes are then
   *     undone on failure, leaving the host as before the start
   */
  List<Step> steps(VmRecord vm, VmResolver.Resolved r, boolean firstStart, Outcome out) {
    String id = vm.id();
    List<Step> plan = new ArrayList<>();
    plan.add(step(LEASE, ctx -> {
      peers.net().ensureBridge(EnsureBridgeRequest.newBuilder().setRequestId(rid()).build());
      LeaseIpResponse l = peers.net().leaseIp(LeaseIpRequest.newBuilder().setRequestId(rid()).setVmId(id)
          .setVmName(vm.name()).build());
      if (l.getCreated()) {
        ctx.onUndo("lease of " + l.getLease().getIpAddress(),
            () -> peers.net().releaseIp(ReleaseIpRequest.newBuilder().setRequestId(rid()).setVmId(id).build()));
      }
      out.lease = l.getLease();
      if (vm.nat()) {
        peers.net().enableNat(EnableNatRequest.newBuilder().setRequestId(rid()).setVmId(id).build());
      }
    }));
    plan.add(step(OVERLAY, ctx -> {
      out.overlay = peers.disk().createOverlay(CreateOverlayRequest.newBuilder().setRequestId(rid()).setVmId(id)
          .setBasePath(r.image().getRootfsPath()).setSizeBytes(Math.max(vm.systemOverlayBytes(),
              r.image().getRootfsSizeBytes())).build()).getOverlay();
      if (firstStart) {
        ctx.onUndo("rootfs overlay " + out.overlay.getPath(),
            () -> peers.disk().removeOverlay(RemoveOverlayRequest.newBuilder().setRequestId(rid()).setVmId(id).build()));
      }
    }));
    plan.add(step(GUEST_CONFIG, ctx -> peers.disk().writeGuestFiles(
        GuestConfig.overlay(rid(), out.overlay.getPath(), vm.name(), out.lease))));
    plan.add(step(WORK_DISK, ctx -> {
      out.workDisk = peers.disk().createWorkDisk(workDiskRequest(vm, r)).getWorkDisk();
      // A workspace written offline before this first start is on this disk: a failed start
      // keeps it (the VM is kept in error for inspection; a later start boots it as it is).
      if (firstStart && vm.lastWorkspace() == null) {
        ctx.onUndo("work disk " + out.workDisk.getPath(), () -> peers.disk().removeWorkDisk(
            RemoveWorkDiskRequest.newBuilder().setRequestId(rid()).setVmId(id).build()));
      }
      peers.disk().writeGuestFiles(GuestConfig.workDisk(rid(), out.workDisk.getPath(), access.authorizedKeysLine()));
      if (!fileSync.isEmpty()) {
        FileSync.Plan sync = FileSync.plan(fileSync, out.workDisk.getPath(), Path.of(System.getProperty("user.home")),
            StartPlan::rid);
        sync.warnings().forEach(w -> LOG.warn("VM {}: {}", vm.name(), w));
        for (var req : sync.requests()) {
          peers.disk().writeGuestFiles(req);
        }
      }
    }));
    plan.add(step(TAP, ctx -> {
      out.tap = peers.net().acquireTap(AcquireTapRequest.newBuilder().setRequestId(rid()).setVmId(id).build()).getTap();
      ctx.onUndo("tap " + out.tap.getName(),
          () -> peers.net().releaseTap(ReleaseTapRequest.newBuilder().setRequestId(rid()).setVmId(id).build()));
    }));
    plan.add(step(LAUNCH, ctx -> {
      Path runDir = paths.runDir(id);
      LaunchSpec spec = new LaunchSpec(id, vm.vcpu(), vm.memoryMib(), kernelFile(r), initrd(r), "",
          Path.of(out.overlay.getPath()), Optional.of(Path.of(out.workDisk.getPath())),
          Optional.of(new LaunchSpec.Nic(out.tap.getName(), out.lease.getMacAddress())), runDir);
      out.launch = spec;
      out.vmm = driver.launch(spec);
      ctx.onUndo("VMM process " + out.vmm.pid(), () -> {
        out.vmm.kill();
        out.vmm.awaitExit(Duration.ofSeconds(10));
        HandlesFile.remove(paths.vmDir(id));
      });
      out.handles = new Handles(out.vmm.handle(), out.tap.getName(), out.lease.getIpAddress());
      HandlesFile.write(paths.vmDir(id), out.handles);
    }));
    plan.add(step(READY, ctx -> {
      Path console = paths.runDir(id).resolve("console.log");
      new BootWatch(BootWatch.STALL, () -> console.toFile().length(), System::nanoTime).await(vm.name(), bootTimeout,
          ctx::cancelled, (timeout, stop) -> access.awaitReady(out.lease.getIpAddress(), vm.name(), timeout, stop),
          () -> {
            out.vmm.kill();
            out.vmm.awaitExit(Duration.ofSeconds(10));
            out.vmm = driver.launch(out.launch);
            out.handles = new Handles(out.vmm.handle(), out.tap.getName(), out.lease.getIpAddress());
            HandlesFile.write(paths.vmDir(id), out.handles);
          });
    }));
    return plan;
  }

  /**
   * The one request for a VM's work disk: the first start and an offline prepare before it
   * (OfflineWorkspace) must ask for the same seed and size, or the start would not reuse the disk.
   */
  static CreateWorkDiskRequest workDiskRequest(VmRecord vm, VmResolver.Resolved r) {
    return CreateWorkDiskRequest.newBuilder().setRequestId(rid()).setVmId(vm.id())
        .setSeedPath(r.image().getWorkSeedPath()).setSizeBytes(vm.workDiskBytes()).build();
  }

    private Step step(String name, Step.Body body) {
    return Step.of(name, ctx -> {
      faults.before(name);
      body.run(ctx);
    });
  }

  /** The uncompressed vmlinux when there is one: its PVH entry boots 2-3 s faster under TCG. */
  private static Path kernelFile(VmResolver.Resolved r) {
    String v = r.kernel().getVmlinuxPath();
    return Path.of(!v.isEmpty() && Files.isReadable(Path.of(v)) ? v : r.kernel().getBzimagePath());
  }

  private static Optional<Path> initrd(VmResolver.Resolved r) {
    String i = r.kernel().getInitrdPath();
    return i.isEmpty() ? Optional.empty() : Optional.of(Path.of(i));
  }

  /** Each peer call carries its own id: these calls are idempotent by their natural keys. */
  private static String rid() {
    return UUID.randomUUID().toString();
  }
}
