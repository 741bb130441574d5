package dev.banger.image.source;

import dev.banger.image.flatten.LayerFlattener;
import dev.banger.image.oci.RunConfig;
import dev.banger.kit.ops.StageProgress;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Where a pull's root filesystem comes from: OCI layers from a registry, a pinned bundle, or a tar
 * stream from mmdebstrap. Each only gets its bytes into a {@link LayerFlattener}; building,
 * ownership, the work-seed and publishing are the pipeline's, shared by all (PullPipeline).
 *
 * <p>Creating a source holds no resources; {@link #fetch} may open some (an HTTP client), and
 * {@link #close} releases them.
 */
public interface RootfsSource extends AutoCloseable {

  /** {@code images.source}: {@code oci}, {@code catalog} (a bundle) or {@code debian}. */
  String kind();

  /** {@code images.origin}: a pull of a name whose image has this origin already is a no-op. */
  String origin();

  /** The progress stages this source reports, in order, before the pipeline's {@code flatten}. */
  List<String> stages();

  /** Resolves and downloads what can be had before anything is staged. */
  Fetched fetch(StageProgress progress, BooleanSupplier cancelled) throws Exception;

  /** What {@link #fetch} got, ready to be applied. */
  interface Fetched {

    /** {@code images.digest}: the manifest digest, the bundle's SHA-256, or the recipe's. */
    String digest();

    /** {@code images.download_bytes}: what was downloaded (0 where the source cannot tell). */
    long downloadBytes();

    /** What the image says to run; none for sources that say nothing (recipes, bundles). */
    default RunConfig run() {
      return RunConfig.NONE;
    }

    /**
     * Applies the root filesystem, oldest layer first, reporting stage {@code flatten} (and the
     * source's own stages where the work happens while applying).
     *
     * @param work an empty directory beside the staging tree (mode 0711, so a helper running under
     *     another uid, mmdebstrap's unshared root, can reach what it makes there), removed with the
     *     staging directory
     */
    void applyTo(
        LayerFlattener flattener, Path work, StageProgress progress, BooleanSupplier cancelled)
        throws Exception;
  }

  @Override
  default void close() {}
}
