package dev.banger.kit.ops;

/**
 * Where long work reports a stage (a pull, a kernel import, a promote): the stage's name (see
 * docs/image-service.md), a sentence, and bytes where they mean something. ProgressCall turns each
 * report into a {@code Progress} event on the call's stream.
 */
@FunctionalInterface
public interface StageProgress {
  void stage(String stage, String message, long done, long total);

  /**
   * A line of a tool's own output (mmdebstrap, apt) during {@code stage}: clients show it only when
   * asked for detail, so a build does not scroll hundreds of lines with staging paths. A listener
   * that makes no such distinction (a test's lambda) gets it as an ordinary report.
   */
  default void toolOutput(String stage, String line) {
    stage(stage, line, 0, 0);
  }
}
