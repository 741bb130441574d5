package dev.banger.vm;

/**
 * A seam for failure-injection tests: called at the start of every start step, it may throw
 * to make that step fail. Production binds {@link #NONE}; the end-to-end tests bind one that
 * fails a chosen step, to prove the undos leave the host as it was.
 */
public interface StepFaults {

  StepFaults NONE = step -> {};

  void before(String step) throws Exception;
}
