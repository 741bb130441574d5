package dev.banger.vm.fakes;

import dev.banger.vm.ports.WorkDiskTrees;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** disk-service's WriteWorkDiskTree as a list of what was written where; refuses a missing disk. */
public final class FakeTrees implements WorkDiskTrees {

  /** One write: the VM, the path on its work disk, and the tar. */
  public record Written(String vmId, String diskPath, byte[] tar) {}

  public final List<Written> written = Collections.synchronizedList(new ArrayList<>());
  private final FakeHost host;

  public FakeTrees(FakeHost host) {
    this.host = host;
  }

  @Override
  public String write(String vmId, String diskPath, long hintBytes, TarBody body)
      throws IOException {
    host.call("writeTree");
    if (!host.workDisks.contains(vmId)) {
      // As disk-service: the tree goes onto a work disk that exists, never onto a new one.
      throw new IllegalStateException("no work disk for VM " + vmId);
    }
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    body.writeTo(tar);
    written.add(new Written(vmId, diskPath, tar.toByteArray()));
    return "entries written";
  }
}
