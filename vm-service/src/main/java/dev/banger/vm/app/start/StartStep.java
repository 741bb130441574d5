package dev.banger.vm.app.start;

import dev.banger.vm.steps.StepContext;

/**
 * One step of a VM start (docs/vm-service.md: lease, overlay, guest config, work disk, tap, VMM,
 * readiness). A step registers the undo of each host resource it acquires as soon as it holds it,
 * so a step that fails half-way is undone as far as it got.
 */
public interface StartStep {

  /** The stage name Progress events carry. */
  String name();

  void run(StartState state, StepContext ctx) throws Exception;
}
