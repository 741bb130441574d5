package dev.banger.disk;

import com.google.protobuf.ByteString;
import dev.banger.api.disk.v1.BuildWorkSeedRequest;
import dev.banger.api.disk.v1.BuildWorkSeedResponse;
import dev.banger.api.disk.v1.CopySnapshotDisksRequest;
import dev.banger.api.disk.v1.CopySnapshotDisksResponse;
import dev.banger.api.disk.v1.CreateOverlayRequest;
import dev.banger.api.disk.v1.CreateOverlayResponse;
import dev.banger.api.disk.v1.CreateWorkDiskRequest;
import dev.banger.api.disk.v1.CreateWorkDiskResponse;
import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.api.disk.v1.Ext4Entry;
import dev.banger.api.disk.v1.ListExt4DirectoryRequest;
import dev.banger.api.disk.v1.ListExt4DirectoryResponse;
import dev.banger.api.disk.v1.ProbeExt4PathsRequest;
import dev.banger.api.disk.v1.ProbeExt4PathsResponse;
import dev.banger.api.disk.v1.ReadExt4FileRequest;
import dev.banger.api.disk.v1.ReadExt4FileResponse;
import dev.banger.api.disk.v1.RemoveOverlayRequest;
import dev.banger.api.disk.v1.RemoveOverlayResponse;
import dev.banger.api.disk.v1.RemoveSnapshotDisksRequest;
import dev.banger.api.disk.v1.RemoveSnapshotDisksResponse;
import dev.banger.api.disk.v1.RemoveWorkDiskRequest;
import dev.banger.api.disk.v1.RemoveWorkDiskResponse;
import dev.banger.api.disk.v1.WriteGuestFilesRequest;
import dev.banger.api.disk.v1.WriteGuestFilesResponse;
import dev.banger.api.disk.v1.WriteWorkDiskTreeRequest;
import dev.banger.api.disk.v1.WriteWorkDiskTreeResponse;
import dev.banger.ext4.DirEntry;
import dev.banger.ext4.Ext4Image;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.ext4.GuestPath;
import dev.banger.ext4.InodeInfo;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.grpc.Unary;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The gRPC face of disk-service: argument checks and error mapping around the pieces that do the
 * work.
 */
final class DiskGrpcService extends DiskServiceGrpc.DiskServiceImplBase {

  /** Under gRPC's default 4 MiB message limit with room for the envelope. */
  static final long MAX_READ_BYTES = 3L << 20;

  static final int MAX_PROBE_PATHS = 1024;

  private final PathGuard guard;
  private final Ext4Toolkit kit;
  private final VmDisks disks;
  private final WorkSeedBuilder seeds;
  private final GuestFilePatcher patcher;
  private final WorkDiskTreeWriter trees;
  private final SnapshotDisks snapshots;

  DiskGrpcService(
      PathGuard guard,
      Ext4Toolkit kit,
      VmDisks disks,
      WorkSeedBuilder seeds,
      GuestFilePatcher patcher,
      WorkDiskTreeWriter trees,
      SnapshotDisks snapshots) {
    this.trees = trees;
    this.snapshots = snapshots;
    this.guard = guard;
    this.kit = kit;
    this.disks = disks;
    this.seeds = seeds;
    this.patcher = patcher;
  }

  private static <T> void answer(StreamObserver<T> out, String imageField, Unary.Call<T> call) {
    Unary.answer(out, e -> DiskErrors.toStatus(e, imageField), call);
  }

  @Override
  public void createOverlay(CreateOverlayRequest req, StreamObserver<CreateOverlayResponse> out) {
    answer(
        out,
        "base_path",
        () ->
            CreateOverlayResponse.newBuilder()
                .setOverlay(
                    disks.createOverlay(req.getVmId(), req.getBasePath(), req.getSizeBytes()))
                .build());
  }

  @Override
  public void copySnapshotDisks(
      CopySnapshotDisksRequest req, StreamObserver<CopySnapshotDisksResponse> out) {
    answer(
        out,
        "vm_id",
        () -> {
          SnapshotDisks.Copied c = snapshots.copy(req.getVmId(), req.getSnapshotId());
          return CopySnapshotDisksResponse.newBuilder()
              .setDirectory(c.directory().toString())
              .setOverlayPath(c.overlay().toString())
              .setWorkDiskPath(c.workDisk().map(java.nio.file.Path::toString).orElse(""))
              .setBytesCopied(c.bytesCopied())
              .setStateDirectory(c.state().toString())
              .build();
        });
  }

  @Override
  public void removeSnapshotDisks(
      RemoveSnapshotDisksRequest req, StreamObserver<RemoveSnapshotDisksResponse> out) {
    answer(
        out,
        "snapshot_id",
        () -> {
          snapshots.remove(req.getSnapshotId());
          return RemoveSnapshotDisksResponse.getDefaultInstance();
        });
  }

  @Override
  public void removeOverlay(RemoveOverlayRequest req, StreamObserver<RemoveOverlayResponse> out) {
    answer(
        out,
        "vm_id",
        () -> {
          disks.removeOverlay(req.getVmId());
          return RemoveOverlayResponse.getDefaultInstance();
        });
  }

  @Override
  public void createWorkDisk(
      CreateWorkDiskRequest req, StreamObserver<CreateWorkDiskResponse> out) {
    answer(
        out,
        "seed_path",
        () ->
            CreateWorkDiskResponse.newBuilder()
                .setWorkDisk(
                    disks.createWorkDisk(req.getVmId(), req.getSeedPath(), req.getSizeBytes()))
                .build());
  }

  @Override
  public void removeWorkDisk(
      RemoveWorkDiskRequest req, StreamObserver<RemoveWorkDiskResponse> out) {
    answer(
        out,
        "vm_id",
        () -> {
          disks.removeWorkDisk(req.getVmId());
          return RemoveWorkDiskResponse.getDefaultInstance();
        });
  }

  @Override
  public void writeGuestFiles(
      WriteGuestFilesRequest req, StreamObserver<WriteGuestFilesResponse> out) {
    answer(out, "image_path", () -> patcher.apply(req));
  }

  @Override
  public StreamObserver<WriteWorkDiskTreeRequest> writeWorkDiskTree(
      StreamObserver<WriteWorkDiskTreeResponse> out) {
    return trees.open(out);
  }

  @Override
  public void buildWorkSeed(BuildWorkSeedRequest req, StreamObserver<BuildWorkSeedResponse> out) {
    answer(out, "rootfs_path", () -> seeds.build(req.getRootfsPath()));
  }

  @Override
  public void probeExt4Paths(
      ProbeExt4PathsRequest req, StreamObserver<ProbeExt4PathsResponse> out) {
    answer(
        out,
        "image_path",
        () -> {
          if (req.getPathsCount() > MAX_PROBE_PATHS) {
            throw Errors.invalidArgument(
                "paths", "at most " + MAX_PROBE_PATHS + " paths per probe");
          }
          List<GuestPath> paths = new ArrayList<>();
          for (String p : req.getPathsList()) {
            paths.add(GuestPath.of(p));
          }
          Ext4Image image = open(req.getImagePath());
          Map<GuestPath, InodeInfo> found = kit.stat(image, paths);
          ProbeExt4PathsResponse.Builder b = ProbeExt4PathsResponse.newBuilder();
          for (GuestPath p : paths) {
            if (found.containsKey(p)) {
              b.addExisting(p.toString());
            }
          }
          return b.build();
        });
  }

  @Override
  public void readExt4File(ReadExt4FileRequest req, StreamObserver<ReadExt4FileResponse> out) {
    answer(
        out,
        "image_path",
        () -> {
          GuestPath p = GuestPath.of(req.getPath());
          Ext4Image image = open(req.getImagePath());
          Ext4Toolkit.FileRead read = kit.read(image, p, MAX_READ_BYTES);
          InodeInfo info = read.info();
          return ReadExt4FileResponse.newBuilder()
              .setContent(ByteString.copyFrom(read.content()))
              .setEntry(entry(p, info.mode(), info.uid(), info.gid(), info.size()))
              .build();
        });
  }

  @Override
  public void listExt4Directory(
      ListExt4DirectoryRequest req, StreamObserver<ListExt4DirectoryResponse> out) {
    answer(
        out,
        "image_path",
        () -> {
          GuestPath dir = GuestPath.of(req.getPath());
          Ext4Image image = open(req.getImagePath());
          ListExt4DirectoryResponse.Builder b = ListExt4DirectoryResponse.newBuilder();
          for (DirEntry e : kit.list(image, dir)) {
            String path = dir.isRoot() ? "/" + e.name() : dir + "/" + e.name();
            b.addEntries(entry(path, e.mode(), e.uid(), e.gid(), e.size()));
          }
          return b.build();
        });
  }

  private Ext4Image open(String raw) {
    return kit.open(guard.existingStateFile("image_path", raw));
  }

  private static Ext4Entry entry(Object path, int mode, long uid, long gid, long size) {
    return Ext4Entry.newBuilder()
        .setPath(path.toString())
        .setMode(mode)
        .setUid((int) uid)
        .setGid((int) gid)
        .setSizeBytes(size)
        .build();
  }
}
