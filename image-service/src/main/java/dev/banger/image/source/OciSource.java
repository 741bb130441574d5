package dev.banger.image.source;

import dev.banger.image.flatten.LayerFlattener;
import dev.banger.image.oci.Digest;
import dev.banger.image.oci.ImageReference;
import dev.banger.image.oci.LayerFetcher;
import dev.banger.image.oci.RegistryClient;
import dev.banger.image.oci.ResolvedImage;
import dev.banger.image.oci.RunConfig;
import dev.banger.kit.ops.Cancellation;
import dev.banger.kit.ops.StageProgress;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * An OCI image: resolve the manifest, fetch the layers into the blob cache, apply them oldest
 * first.
 */
public final class OciSource extends RegistryBackedSource {

  private final ImageReference ref;
  private final LayerFetcher fetcher;

  /**
   * @param clients opens the registry client for this pull (credentials, transport policy)
   */
  public OciSource(ImageReference ref, Supplier<RegistryClient> clients, LayerFetcher fetcher) {
    super(clients);
    this.ref = ref;
    this.fetcher = fetcher;
  }

  @Override
  public String kind() {
    return "oci";
  }

  @Override
  public String origin() {
    return ref.canonical();
  }

  @Override
  public Fetched fetch(StageProgress l, BooleanSupplier cancelled) throws Exception {
    RegistryClient client = openClient();
    l.stage("resolve", "resolving " + ref.canonical(), 0, 0);
    ResolvedImage image = client.resolve(ref);
    check(cancelled);
    int n = image.layers().size();
    l.stage(
        "fetch",
        "fetching " + n + " layer" + (n == 1 ? "" : "s") + " (" + image.downloadSize() + " bytes)",
        0,
        image.downloadSize());
    LayerFetcher.FetchedImage fetched =
        fetcher.fetch(
            image,
            client.blobs(ref),
            (i, count, d, done, total) ->
                l.stage(
                    "fetch", "layer " + (i + 1) + "/" + count + " " + d.shortHex(), done, total),
            cancelled);
    check(cancelled);
    return new Fetched() {
      @Override
      public String digest() {
        return image.manifestDigest().toString();
      }

      @Override
      public long downloadBytes() {
        return image.downloadSize();
      }

      @Override
      public RunConfig run() {
        return image.run();
      }

      @Override
      public void applyTo(
          LayerFlattener flattener, Path work, StageProgress progress, BooleanSupplier cancel)
          throws Exception {
        List<Path> layers = fetched.layers();
        for (int i = 0; i < layers.size(); i++) {
          String layerName =
              "layer " + (i + 1) + "/" + n + " (" + image.layers().get(i).digest() + ")";
          progress.stage(
              "flatten", "applying " + layerName, 0, 0); // a count, not bytes: the message has it
          Digest diffId = image.diffIds().isEmpty() ? null : image.diffIds().get(i);
          CachedTarball.apply(flattener, layers.get(i), layerName, diffId, cancel);
        }
      }
    };
  }

  private static void check(BooleanSupplier cancelled) {
    Cancellation.check(cancelled, "the pull was cancelled");
  }
}
