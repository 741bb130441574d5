package dev.banger.vm.app.inspect;

import dev.banger.vm.app.VmControl;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** ListVms: VMs by name, their state refreshed from the host, a page at a time. */
public final class VmListing {

  /** The most a page holds, and what a page size of 0 means. */
  public static final int MAX_PAGE = 1000;

  /**
   * @param nextToken empty on the last page
   */
  public record Page(List<VmRecord> vms, String nextToken) {}

  private final VmStore store;
  private final VmControl control;

  public VmListing(VmStore store, VmControl control) {
    this.store = store;
    this.control = control;
  }

  /**
   * @param state only VMs in this state, or all
   * @param pageSize 0 for {@link #MAX_PAGE}
   * @param token the last name of the page before, or empty for the first
   */
  public Page page(Optional<VmState> state, int pageSize, String token) throws Exception {
    if (pageSize < 0) {
      throw VmProblem.invalid("page_size", "page_size must not be negative");
    }
    int size = pageSize == 0 ? MAX_PAGE : Math.min(pageSize, MAX_PAGE);
    List<VmRecord> after = new ArrayList<>();
    for (VmRecord v : store.list()) {
      VmRecord r = control.refresh(v);
      // Names are unique and listed in order: the token is the last name of the page before.
      if (state.map(s -> r.state() == s).orElse(true) && r.name().compareTo(token) > 0) {
        after.add(r);
      }
    }
    List<VmRecord> page = after.stream().limit(size).toList();
    return new Page(page, after.size() > size ? page.get(size - 1).name() : "");
  }
}
