package dev.banger.vm.steps;

/**
 * One named step of a VM operation (docs/architecture.md §4: overlay, guest config, work disk,
 * lease and tap, VMM, readiness). A step registers an undo for each host resource it acquires, as
 * soon as it has acquired it, so a step that fails half-way is undone as far as it got.
 */
public interface Step {

  String name();

  void run(StepContext ctx) throws Exception;

  /** A step from a name and a body, for plans built inline. */
  static Step of(String name, Body body) {
    return new Step() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void run(StepContext ctx) throws Exception {
        body.run(ctx);
      }
    };
  }

  /** The work of a step. */
  @FunctionalInterface
  interface Body {
    void run(StepContext ctx) throws Exception;
  }
}
