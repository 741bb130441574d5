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

  /**
   * The VMM of a VM recorded running or paused; a DriverException naming the VM when none is known
   * (a record that says live with no VMM behind it).
   */
  public dev.banger.vm.driver.RunningVm vmmOf(String id, String name)
      throws dev.banger.vm.driver.DriverException {
    return get(id)
        .map(Entry::vmm)
        .orElseThrow(
            () ->
                new dev.banger.vm.driver.DriverException(
                    "no VMM is known for VM " + name + " (" + id + ")"));
  }

  public void remove(String id) {
    running.remove(id);
  }
}
