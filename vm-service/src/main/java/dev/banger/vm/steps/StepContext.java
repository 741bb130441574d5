package dev.banger.vm.steps;

/** What a running step may do besides its work: register undos and see whether to stop. */
public interface StepContext {

  /**
   * Registers how to give back something just acquired. Undos run in reverse order of registration
   * when a later part of the operation fails or is cancelled.
   *
   * @param what names the resource in reports ("tap tb-0b5e1f2a")
   */
  void onUndo(String what, Undo undo);

  /** True once the caller cancelled; long steps check it between their own waits. */
  boolean cancelled();

  /** Gives back one resource. */
  @FunctionalInterface
  interface Undo {
    void run() throws Exception;
  }
}
