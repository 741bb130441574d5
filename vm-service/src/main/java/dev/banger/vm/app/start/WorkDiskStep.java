package dev.banger.vm.app.start;

import dev.banger.kit.config.FileSyncEntry;
import dev.banger.vm.ports.BootImage;
import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.steps.StepContext;
import dev.banger.vm.store.VmRecord;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VM's {@code /root}: made from the image's work-seed on the first start, then the owner's key
 * and the configured {@code [[file_sync]]} files written onto it. It is the user's data, so only a
 * first start removes it on failure, and not even then when a workspace was written onto it offline
 * before this start (the VM is kept in error for inspection).
 */
public final class WorkDiskStep implements StartStep {

  public static final String NAME = "work-disk";
  private static final Logger LOG = LoggerFactory.getLogger(WorkDiskStep.class);
  private final DiskPort disk;
  private final GuestAccess keys;
  private final List<FileSyncEntry> fileSync;

  public WorkDiskStep(DiskPort disk, GuestAccess keys, List<FileSyncEntry> fileSync) {
    this.disk = disk;
    this.keys = keys;
    this.fileSync = List.copyOf(fileSync);
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * The one request for a VM's work disk: the first start and an offline workspace prepare before
   * it must ask for the same seed and size, or the start would not reuse the disk.
   */
  public static String make(DiskPort disk, VmRecord vm, BootImage image) {
    return disk.createWorkDisk(vm.id(), image.workSeedPath(), vm.workDiskBytes());
  }

  @Override
  public void run(StartState s, StepContext ctx) throws Exception {
    String id = s.vm().id();
    String path = make(disk, s.vm(), s.image());
    if (s.firstStart() && s.vm().lastWorkspace() == null) {
      ctx.onUndo("work disk " + path, () -> disk.removeWorkDisk(id));
    }
    s.workDiskPath(path);
    disk.writeWorkDiskConfig(path, keys.authorizedKeysLine());
    if (!fileSync.isEmpty()) {
      for (String w : disk.syncFiles(path, fileSync)) {
        LOG.warn("VM {}: {}", s.vm().name(), w);
      }
    }
  }
}
