package dev.banger.vm.app;

import dev.banger.kit.text.Printable;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmStore;
import java.sql.SQLException;

/** Finds a VM by id or name, or says it does not exist. */
public final class VmLookup {

  private final VmStore store;

  public VmLookup(VmStore store) {
    this.store = store;
  }

  public VmRecord find(String ref) throws SQLException {
    if (ref.isEmpty()) {
      throw VmProblem.invalid("vm", "vm (an id or name) is required");
    }
    if (!VmNames.NAME.matcher(ref).matches() && !VmNames.UUID.matcher(ref).matches()) {
      // Malformed, not missing: INVALID_ARGUMENT, which the CLI reports as a usage error (exit 2).
      throw VmProblem.invalid(
          "vm",
          "\""
              + Printable.bare(ref, 80)
              + "\" is not a VM name (a-z, 0-9 and '-', at most 63, no '-' at either end) or id");
    }
    return store.find(ref).orElseThrow(() -> VmProblems.notFound(Printable.bare(ref, 80)));
  }
}
