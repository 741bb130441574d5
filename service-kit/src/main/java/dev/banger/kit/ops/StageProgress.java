package dev.banger.kit.ops;

/**
 * Where long work reports a stage (a pull, a kernel import, a promote): the stage's name (see
 * docs/image-service.md), a sentence, and bytes where they mean something. ProgressCall turns each
 * report into a {@code Progress} event on the call's stream.
 */
@FunctionalInterface
public interface StageProgress {
  void stage(String stage, String message, long done, long total);
}
