package dev.banger.vm.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.vm.store.VmState;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A VM reference: a name or id finds the VM; a string that can be neither is malformed. */
class VmLookupTest {

  @TempDir Path dir;

  @Test
  void malformedIsInvalidMissingIsNotFound() throws Exception {
    AppHarness h = new AppHarness(dir);
    var vm = h.recordVm("box", VmState.STOPPED);
    VmLookup lookup = new VmLookup(h.store);
    assertEquals("box", lookup.find("box").name());
    assertEquals("box", lookup.find(vm.id()).name());
    assertEquals(
        VmProblem.Kind.NOT_FOUND, assertThrows(VmProblem.class, () -> lookup.find("ghost")).kind());
    for (String bad : new String[] {"BAD_NAME", "-x", "x-", "a b", "../x", "a".repeat(64), ""}) {
      VmProblem p = assertThrows(VmProblem.class, () -> lookup.find(bad), bad);
      assertEquals(VmProblem.Kind.INVALID_ARGUMENT, p.kind(), bad);
      assertTrue(
          p.getMessage().contains(bad.isEmpty() ? "is required" : "is not a VM name"),
          p.getMessage());
    }
  }
}
