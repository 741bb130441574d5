package dev.banger.vm.app;

import java.util.Map;

/** The VM failures every use case reports, worded once. */
public final class VmProblems {

  private VmProblems() {}

  public static VmProblem notFound(String ref) {
    return new VmProblem(
        VmProblem.Kind.NOT_FOUND,
        "VM_NOT_FOUND",
        "vm \"" + ref + "\" not found",
        Map.of("vm", ref));
  }

  public static VmProblem wrongState(String name, String state, String sentence) {
    return new VmProblem(
        VmProblem.Kind.FAILED_PRECONDITION,
        "VM_WRONG_STATE",
        "vm \"" + name + "\" is " + state + ": " + sentence,
        Map.of("vm", name, "state", state));
  }

  /**
   * FAILED_PRECONDITION for work that needs the guest running ({@code what}), with the way to get
   * it there: resume a paused VM, start any other.
   */
  public static VmProblem notRunning(String name, dev.banger.vm.store.VmState state, String what) {
    String fix =
        state == dev.banger.vm.store.VmState.PAUSED
            ? "resume it (banger vm resume " + name + ")"
            : "start it (banger vm start " + name + ")";
    return wrongState(name, state.column(), what + "; " + fix);
  }

  public static VmProblem alreadyExists(String name) {
    return new VmProblem(
        VmProblem.Kind.ALREADY_EXISTS,
        "VM_EXISTS",
        "vm \"" + name + "\" already exists",
        Map.of("vm", name));
  }
}
