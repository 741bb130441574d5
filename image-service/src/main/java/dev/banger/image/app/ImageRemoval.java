package dev.banger.image.app;

import dev.banger.image.store.ImageStore;
import dev.banger.kit.state.DirectoryTrees;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Forgetting an image and removing its files, and the refusals that guard it. */
final class ImageRemoval {

  private static final Logger LOG = LoggerFactory.getLogger(ImageRemoval.class);

  private final ImageStore store;

  ImageRemoval(ImageStore store) {
    this.store = store;
  }

  /**
   * Row first, then files: a crash in between leaves a directory start-up removes, never a row
   * without files. A registered (unmanaged) image's file is the user's: only the row goes.
   */
  void remove(ImageStore.ImageRow row) {
    store.delete(row.id());
    if (!row.managed()) {
      return;
    }
    try {
      DirectoryTrees.delete(Path.of(row.rootfsPath()).getParent());
    } catch (java.io.IOException e) {
      LOG.warn(
          "image {} forgotten but its files could not all be removed: {}",
          row.name(),
          e.toString());
    }
  }

  static ImageProblem exists(ImageStore.ImageRow row) {
    return new ImageProblem(
        ImageProblem.Kind.ALREADY_EXISTS,
        "IMAGE_EXISTS",
        "image \""
            + row.name()
            + "\" exists (from "
            + row.origin()
            + "); pass force to replace it or choose another name",
        Map.of("name", row.name()));
  }

  static ImageProblem inUse(ImageStore.ImageRow row) {
    return new ImageProblem(
        ImageProblem.Kind.FAILED_PRECONDITION,
        "IMAGE_IN_USE",
        "image \""
            + row.name()
            + "\" is used by "
            + row.vmRefs()
            + " VM(s); delete them first or pass force",
        Map.of("name", row.name()));
  }
}
