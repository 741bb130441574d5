package dev.banger.vm.store;

/** A VM's lifecycle state as stored (the {@code vms.state} column). */
public enum VmState {
  CREATED,
  STARTING,
  RUNNING,
  /** vCPUs stopped (PauseVm); the VMM, its memory, tap and lease are kept. */
  PAUSED,
  STOPPING,
  STOPPED,
  ERROR;

  public String column() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static VmState ofColumn(String s) {
    return valueOf(s.toUpperCase(java.util.Locale.ROOT));
  }

  /** States in which a VMM runs the guest, paused or not. */
  public boolean live() {
    return this == RUNNING || this == PAUSED;
  }

  /** States in which no VMM should be running. */
  public boolean atRest() {
    return this == CREATED || this == STOPPED || this == ERROR;
  }
}
