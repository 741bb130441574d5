package dev.banger.vm.ports;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** What the host says a VM costs: its VMM process's CPU and memory, and its disks' real size. */
public interface HostUsage {

  /** CPU time (user + system) and resident memory of one process. */
  record ProcessUsage(double cpuSeconds, long rssBytes) {}

  /**
   * @return empty when the process is gone
   */
  Optional<ProcessUsage> process(long pid) throws IOException;

  /** Bytes a (sparse) file really occupies on the host; 0 when it does not exist. */
  long allocatedBytes(Path file) throws IOException;
}
