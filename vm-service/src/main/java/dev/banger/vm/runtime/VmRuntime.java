package dev.banger.vm.runtime;

import dev.banger.vm.driver.RunningVm;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The VMMs this vm-service runs or adopted, by VM id: the in-memory half of the runtime handles.
 */
public final class VmRuntime {

  public record Entry(RunningVm vmm, Handles handles) {}

  private final Map<String, Entry> running = new ConcurrentHashMap<>();
  private final VmPaths paths;

  public VmRuntime(VmPaths paths) {
    this.paths = paths;
  }

  public VmPaths paths() {
    return paths;
  }

  public void put(String id, RunningVm vmm, Handles h) {
    running.put(id, new Entry(vmm, h));
  }

  public Optional<Entry> get(String id) {
    return Optional.ofNullable(running.get(id));
  }

  public void remove(String id) {
    running.remove(id);
  }
}
