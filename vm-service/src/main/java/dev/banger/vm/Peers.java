package dev.banger.vm;

import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.net.v1.NetServiceGrpc;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;

/**
 * vm-service's clients of the other three services, each call bounded by a deadline so a hung
 * peer fails a step (and its undos run) instead of holding a VM's lock forever.
 */
final class Peers implements AutoCloseable {

  /** Disk work (a sparse copy of a multi-GiB rootfs, resize2fs) is the slowest thing asked for. */
  static final long DISK_DEADLINE_SECONDS = 600;
  static final long DEADLINE_SECONDS = 60;

  private final ManagedChannel disk;
  private final ManagedChannel net;
  private final ManagedChannel image;

  Peers(ManagedChannel disk, ManagedChannel net, ManagedChannel image) {
    this.disk = disk;
    this.net = net;
    this.image = image;
  }

  DiskServiceGrpc.DiskServiceBlockingStub disk() {
    return DiskServiceGrpc.newBlockingStub(disk).withDeadlineAfter(DISK_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** For the client-streamed WriteWorkDiskTree: bounded by the caller's own send timeout. */
  DiskServiceGrpc.DiskServiceStub diskStreaming(long seconds) {
    return DiskServiceGrpc.newStub(disk).withDeadlineAfter(seconds, TimeUnit.SECONDS);
  }

  NetServiceGrpc.NetServiceBlockingStub net() {
    return NetServiceGrpc.newBlockingStub(net).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  ImageServiceGrpc.ImageServiceBlockingStub image() {
    return ImageServiceGrpc.newBlockingStub(image).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    disk.shutdownNow();
    net.shutdownNow();
    image.shutdownNow();
  }
}
