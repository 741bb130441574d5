package dev.banger.vm.app.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.banger.vm.app.AppHarness;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ListVms pages by name and filters by the state the host says, not the stored one. */
class VmListingTest {

  @TempDir java.nio.file.Path dir;

  @Test
  void pagesWalkEveryVmOnceInNameOrder() throws Exception {
    AppHarness h = new AppHarness(dir);
    for (String n : List.of("e", "c", "a", "d", "b")) {
      VmSettingsTest.created(h, n);
    }
    VmListing listing = new VmListing(h.store, h.control);
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      VmListing.Page p = listing.page(Optional.empty(), 2, token);
      p.vms().forEach(v -> seen.add(v.name()));
      token = p.nextToken();
      pages++;
    } while (!token.isEmpty());
    assertEquals(List.of("a", "b", "c", "d", "e"), seen);
    assertEquals(3, pages);
    assertEquals(5, listing.page(Optional.empty(), 0, "").vms().size());
    VmProblem negative =
        assertThrows(VmProblem.class, () -> listing.page(Optional.empty(), -1, ""));
    assertEquals("page_size", negative.metadata().get("field"));
  }

  @Test
  void aRunningVmWhoseVmmIsGoneIsListedAsStopped() throws Exception {
    AppHarness h = new AppHarness(dir);
    VmRecord up = h.lifecycle.create(AppHarness.create("up"), (s, m, d, t) -> {}, () -> false);
    VmSettingsTest.created(h, "idle");
    VmListing listing = new VmListing(h.store, h.control);
    assertEquals(
        List.of("up"),
        listing.page(Optional.of(VmState.RUNNING), 0, "").vms().stream()
            .map(VmRecord::name)
            .toList());
    h.host.vmms.remove(h.runtime.get(up.id()).orElseThrow().vmm().pid());
    assertEquals(0, listing.page(Optional.of(VmState.RUNNING), 0, "").vms().size());
    assertEquals(
        List.of("up"),
        listing.page(Optional.of(VmState.STOPPED), 0, "").vms().stream()
            .map(VmRecord::name)
            .toList());
  }
}
