package dev.banger.vm.ports;

import java.io.IOException;
import java.io.OutputStream;

/**
 * disk-service's WriteWorkDiskTree as vm-service needs it: a tar, written onto a stopped VM's work
 * disk in one pass, with no guest running.
 */
public interface WorkDiskTrees {

  /** Writes the tar; the port hands each byte on as it comes, holding the writer back when slow. */
  interface TarBody {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * @param diskPath where the tar lands, relative to the work disk's root (the guest's /root)
   * @param hintBytes what the tar's files add up to, so disk-service can refuse a disk too small
   * @return disk-service's one-line account of what it wrote
   */
  String write(String vmId, String diskPath, long hintBytes, TarBody body)
      throws IOException, InterruptedException;
}
