package dev.banger.vm;

import dev.banger.api.image.v1.RemoveImageReferenceRequest;
import dev.banger.api.disk.v1.RemoveOverlayRequest;
import dev.banger.api.disk.v1.RemoveWorkDiskRequest;
import dev.banger.api.net.v1.ReleaseIpRequest;
import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stop, kill and delete: the operations that end a VM's boot or the VM itself. */
final class VmControl {

  private static final Logger LOG = LoggerFactory.getLogger(VmControl.class);
  /** After SSH poweroff and after ACPI powerdown, before the kill. */
  static final Duration POWERDOWN_GRACE = Duration.ofSeconds(5);

  private final VmStore store;
  private final Peers peers;
  private final VmRuntime runtime;
  private final VmLifecycle lifecycle;
  private final GuestAccess access;
  private final VmConfig config;
  private final KeyedLocks locks;

  VmControl(VmStore store, Peers peers, VmRuntime runtime, VmLifecycle lifecycle, GuestAccess access,
      VmConfig config, KeyedLocks locks) {
    this.store = store;
    this.peers = peers;
    this.runtime = runtime;
    this.lifecycle = lifecycle;
    this.access = access;
    this.config = config;
    this.locks = locks;
  }

  /**
   * Graceful stop: {@code systemctl poweroff} over SSH (always works on systemd guests), then the
   * VMM's power button, then a kill, each bounded. A VM at rest is returned as it is.
   */
  VmRecord stop(String ref, int timeoutSeconds) throws Exception {
    VmRecord vm = lifecycle.find(ref);
    return locks.with(vm.id(), () -> {
      VmRecord v = refresh(lifecycle.find(vm.id()));
      if (v.state().atRest()) {
        return v;
      }
      Duration timeout = Duration.ofSeconds(timeoutSeconds > 0 ? timeoutSeconds : config.stopTimeoutSecondsOrDefault());
      store.setState(v.id(), VmState.STOPPING, null);
      RunningVm vmm = runtime.get(v.id()).map(VmRuntime.Entry::vmm).orElse(null);
      String how = "was not running";
      if (vmm != null && vmm.alive()) {
        how = shutDown(v, vmm, timeout);
      }
      lifecycle.releaseBoot(v, vmm);
      store.setState(v.id(), VmState.STOPPED, null);
      LOG.info("stopped VM {} ({})", v.name(), how);
      return lifecycle.find(v.id());
    });
  }

  private String shutDown(VmRecord v, RunningVm vmm, Duration timeout) throws Exception {
    if (v.ipAddress() != null && access.poweroff(v.ipAddress(), v.name()) && vmm.awaitExit(timeout)) {
      return "guest powered off";
    }
    try {
      vmm.requestPowerdown();
      if (vmm.awaitExit(POWERDOWN_GRACE)) {
        return "VMM power button";
      }
    } catch (dev.banger.vm.driver.DriverException e) {
      LOG.info("power button of VM {} not pressed: {}", v.name(), e.getMessage());
    }
    vmm.kill();
    vmm.awaitExit(Duration.ofSeconds(10));
    return "killed after " + timeout.toSeconds() + " s";
  }

  /** Kills the VMM at once; the guest gets no chance to sync (its journal is replayed before the next edit). */
  VmRecord kill(String ref) throws Exception {
    VmRecord vm = lifecycle.find(ref);
    return locks.with(vm.id(), () -> {
      VmRecord v = lifecycle.find(vm.id());
      RunningVm vmm = runtime.get(v.id()).map(VmRuntime.Entry::vmm).orElse(null);
      if (v.state().atRest() && vmm == null) {
        return v;
      }
      lifecycle.releaseBoot(v, vmm);
      store.setState(v.id(), VmState.STOPPED, "killed");
      return lifecycle.find(v.id());
    });
  }

  /** Removes the VM and everything it holds: VMM (with force), lease (and with it tap and NAT), disks, pin, record. */
  void delete(String ref, boolean force) throws Exception {
    VmRecord vm = lifecycle.find(ref);
    locks.with(vm.id(), () -> {
      VmRecord v = refresh(lifecycle.find(vm.id()));
      RunningVm vmm = runtime.get(v.id()).map(VmRuntime.Entry::vmm).orElse(null);
      if (!v.state().atRest() || vmm != null) {
        if (!force) {
          throw VmErrors.wrongState(v.name(), v.state().column(), "stop it first, or delete with --force");
        }
        lifecycle.releaseBoot(v, vmm);
      }
      String rid = UUID.randomUUID().toString();
      peers.net().releaseIp(ReleaseIpRequest.newBuilder().setRequestId(rid).setVmId(v.id()).build());
      peers.disk().removeOverlay(RemoveOverlayRequest.newBuilder().setRequestId(rid).setVmId(v.id()).build());
      peers.disk().removeWorkDisk(RemoveWorkDiskRequest.newBuilder().setRequestId(rid).setVmId(v.id()).build());
      if (v.ipAddress() != null) {
        access.forget(v.ipAddress(), v.name());
      }
      peers.image().removeImageReference(RemoveImageReferenceRequest.newBuilder().setImage(v.image())
          .setVmId(v.id()).build());
      removeTree(runtime.paths().runDir(v.id()));
      removeTree(runtime.paths().vmDir(v.id()));
      store.delete(v.id());
      LOG.info("deleted VM {} ({})", v.name(), v.id());
      return null;
    });
  }

  /**
   * A VM recorded as running whose VMM is gone (killed, crashed, powered off from inside) is
   * stopped: its tap and handles go, its state says so.
   */
  VmRecord refresh(VmRecord vm) throws Exception {
    if (vm.state() != VmState.RUNNING || runtime.get(vm.id()).map(e -> e.vmm().alive()).orElse(false)) {
      return vm;
    }
    return locks.with(vm.id(), () -> {
      VmRecord v = lifecycle.find(vm.id());
      var entry = runtime.get(v.id());
      if (v.state() != VmState.RUNNING || (entry.isPresent() && entry.get().vmm().alive())) {
        return v;
      }
      LOG.info("VMM of VM {} is gone; marking it stopped", v.name());
      lifecycle.releaseBoot(v, null);
      store.setState(v.id(), VmState.STOPPED, "the VMM exited (guest poweroff, crash or kill)");
      return lifecycle.find(v.id());
    });
  }

  private static void removeTree(Path dir) throws java.io.IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
