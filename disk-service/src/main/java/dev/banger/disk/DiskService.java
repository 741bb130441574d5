package dev.banger.disk;

import dev.banger.disk.copy.FileCloner;
import dev.banger.ext4.BlockDevicePolicy;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.ServiceName;
import io.grpc.BindableService;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * disk-service (docs/architecture.md §5): the ext4 toolkit, work-seeds, work disks, rootfs overlays
 * and guest file patching, over files confined to the images and VMs directories.
 */
public final class DiskService implements BangerService {

  private static final Logger LOG = LoggerFactory.getLogger(DiskService.class);

  @Override
  public ServiceName name() {
    return ServiceName.DISK;
  }

  @Override
  public List<BindableService> start(ServiceContext context) throws IOException {
    Path scratch = context.layout().freshScratch(ServiceName.DISK);
    WorkDiskTreeWriter.removeShmLeftovers();
    Ext4Toolkit kit = new Ext4Toolkit(context.commands(), BlockDevicePolicy.fromProcess(), scratch);
    PathGuard guard = new PathGuard(context.layout());
    FileCloner cloner = new FileCloner();
    LOG.info(
        "overlay strategy on {}: {} (device-mapper snapshots are not built in this release)",
        guard.vmsRoot(),
        cloner.reflinkSupported(guard.vmsRoot()) ? "reflink" : "sparse copy");
    VmDisks disks = new VmDisks(guard, new DiskObjects(context.database()), kit, cloner);
    disks.removePartials();
    return List.of(
        new DiskGrpcService(
            guard,
            kit,
            disks,
            new WorkSeedBuilder(guard, kit, scratch),
            new GuestFilePatcher(guard, kit),
            new WorkDiskTreeWriter(disks, kit, scratch),
            new SnapshotDisks(guard, disks, cloner)));
  }
}
