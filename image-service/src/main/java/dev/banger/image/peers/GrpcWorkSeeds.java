package dev.banger.image.peers;

import dev.banger.api.disk.v1.BuildWorkSeedRequest;
import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.image.app.ImageProblem;
import dev.banger.image.ports.WorkSeeds;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@link WorkSeeds} over disk-service's BuildWorkSeed. */
public final class GrpcWorkSeeds implements WorkSeeds {

  private final ManagedChannel disk;
  private final Path diskSocket;

  /**
   * @param diskSocket disk-service's socket, named when it cannot be reached
   */
  public GrpcWorkSeeds(ManagedChannel disk, Path diskSocket) {
    this.disk = disk;
    this.diskSocket = diskSocket;
  }

  @Override
  public Path seed(Path rootfs) {
    try {
      var reply =
          DiskServiceGrpc.newBlockingStub(disk)
              .withDeadlineAfter(10, TimeUnit.MINUTES)
              .buildWorkSeed(
                  BuildWorkSeedRequest.newBuilder().setRootfsPath(rootfs.toString()).build());
      return Path.of(reply.getSeedPath());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
        throw new ImageProblem(
            ImageProblem.Kind.FAILED_PRECONDITION,
            "DISK_SERVICE_UNAVAILABLE",
            "disk-service ("
                + diskSocket
                + ") is not reachable, so the work-seed cannot be built: "
                + e.getStatus().getDescription(),
            Map.of());
      }
      throw e;
    }
  }
}
