package dev.banger.vm;

import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.runtime.Handles;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The VMMs this vm-service runs or adopted, by VM id: the in-memory half of the runtime handles. */
final class VmRuntime {

  record Entry(RunningVm vmm, Handles handles) {}

  private final Map<String, Entry> running = new ConcurrentHashMap<>();
  private final VmPaths paths;

  VmRuntime(VmPaths paths) {
    this.paths = paths;
  }

  VmPaths paths() {
    return paths;
  }

  void put(String id, RunningVm vmm, Handles h) {
    running.put(id, new Entry(vmm, h));
  }

  Optional<Entry> get(String id) {
    return Optional.ofNullable(running.get(id));
  }

  void remove(String id) {
    running.remove(id);
  }
}
