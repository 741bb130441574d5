package dev.banger.vm.peers;

import dev.banger.api.disk.v1.WriteWorkDiskTreeResponse;
import dev.banger.vm.ports.WorkDiskTrees;
import dev.banger.vm.workspace.ChunkPipe;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;

/** {@link WorkDiskTrees} over disk-service's client-streaming WriteWorkDiskTree. */
public final class GrpcWorkDiskTrees implements WorkDiskTrees {

  private final PeerChannels peers;
  private final Duration timeout;

  public GrpcWorkDiskTrees(PeerChannels peers, Duration timeout) {
    this.peers = peers;
    this.timeout = timeout;
  }

  @Override
  public String write(String vmId, String diskPath, long hintBytes, TarBody body)
      throws IOException, InterruptedException {
    TreeUpload up =
        new TreeUpload(
            peers.diskStreaming(timeout.toSeconds()),
            vmId,
            diskPath,
            hintBytes,
            UUID.randomUUID().toString());
    try {
      // The tar is written on a thread of its own while this one hands it to gRPC (ChunkPipe).
      ChunkPipe.run(body::writeTo, up);
    } catch (IOException | RuntimeException e) {
      // disk-service's refusal (disk too small, a bad name) says more than the broken pipe it
      // caused on this side.
      StatusRuntimeException refused = up.refusal();
      up.abort(e);
      if (refused != null) {
        throw refused;
      }
      throw e;
    }
    WriteWorkDiskTreeResponse res = up.finish();
    return res.toString().replace('\n', ' ');
  }
}
