package dev.banger.vm.fakes;

import dev.banger.vm.ports.HostUsage;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Process usage and file sizes as a test sets them. */
public final class FakeHostUsage implements HostUsage {

  public final Map<Long, ProcessUsage> processes = new ConcurrentHashMap<>();
  public final Map<Path, Long> allocated = new ConcurrentHashMap<>();

  @Override
  public Optional<ProcessUsage> process(long pid) {
    return Optional.ofNullable(processes.get(pid));
  }

  @Override
  public long allocatedBytes(Path file) {
    return allocated.getOrDefault(file, 0L);
  }
}
