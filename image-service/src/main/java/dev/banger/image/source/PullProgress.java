package dev.banger.image.source;

/** Where a pull reports to: a stage name (docs/image-service.md), a sentence, and bytes where they mean something. */
@FunctionalInterface
public interface PullProgress {
  void stage(String stage, String message, long done, long total);
}
