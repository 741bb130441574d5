package dev.banger.vm.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CreateVm request in domain terms. Zero sizes mean "the default" (resolved by the use case); an
 * empty name means "generate one".
 *
 * @param requestId the client's idempotency key, or empty
 * @param keepFailed keep a VM whose first start failed or was cancelled (for inspection); by
 *     default such a create is undone entirely, as if never asked
 * @param ownerUid the caller's uid (socket peer credentials), recorded on the VM; null when the
 *     call came with none. Not part of {@link #canonical()}: it says who asked, not what
 * @param snapshot name or id of the snapshot to start from, or empty for a boot
 */
public record CreateRequest(
    String requestId,
    String name,
    String image,
    String kernel,
    int vcpu,
    int memoryMib,
    long workDiskBytes,
    long systemOverlayBytes,
    boolean nat,
    String driver,
    boolean noStart,
    boolean keepFailed,
    Integer ownerUid,
    String snapshot) {

  /** A create that boots (no snapshot). */
  public CreateRequest(
      String requestId,
      String name,
      String image,
      String kernel,
      int vcpu,
      int memoryMib,
      long workDiskBytes,
      long systemOverlayBytes,
      boolean nat,
      String driver,
      boolean noStart,
      boolean keepFailed,
      Integer ownerUid) {
    this(
        requestId,
        name,
        image,
        kernel,
        vcpu,
        memoryMib,
        workDiskBytes,
        systemOverlayBytes,
        nat,
        driver,
        noStart,
        keepFailed,
        ownerUid,
        "");
  }

  /** Why {@code id} cannot be a request id, or null when it can (the rule every service holds). */
  public static String requestIdProblem(String id) {
    return dev.banger.kit.text.RequestIds.problem(id);
  }

  /** The fields that make two creates the same request, in a stable text form. */
  public String canonical() {
    StringBuilder b = new StringBuilder();
    fields().forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    return b.toString();
  }

  /** The fields that differ from an earlier request's {@link #canonical()} text, named. */
  public List<String> differencesFrom(String earlierCanonical) {
    Map<String, String> earlier = new LinkedHashMap<>();
    for (String line : earlierCanonical.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        earlier.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    List<String> diff = new ArrayList<>();
    fields()
        .forEach(
            (k, v) -> {
              String was = earlier.get(k);
              if (!v.equals(was)) {
                diff.add(k + " (" + (was == null ? "unset" : was) + " before, " + v + " now)");
              }
            });
    return diff;
  }

  private Map<String, String> fields() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("name", oneLine(name));
    m.put("image", oneLine(image));
    m.put("kernel", oneLine(kernel));
    m.put("vcpu", Integer.toString(vcpu));
    m.put("memory_mib", Integer.toString(memoryMib));
    m.put("work_disk_bytes", Long.toString(workDiskBytes));
    m.put("system_overlay_bytes", Long.toString(systemOverlayBytes));
    m.put("nat", Boolean.toString(nat));
    m.put("driver", oneLine(driver));
    m.put("no_start", Boolean.toString(noStart));
    if (!snapshot.isEmpty()) {
      // Only when set, so the canonical text of a boot is what it was before snapshots.
      m.put("snapshot", oneLine(snapshot));
    }
    return m;
  }

  private static String oneLine(String v) {
    return v.replace("\\", "\\\\").replace("\n", "\\n");
  }
}
