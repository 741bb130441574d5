package dev.banger.cli.image;

import dev.banger.api.image.v1.PruneCacheRequest;
import dev.banger.api.image.v1.PruneCacheResponse;
import dev.banger.cli.Services;
import dev.banger.cli.Sizes;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
    name = "prune",
    description = "Delete cached OCI blobs (built images are unaffected).",
    mixinStandardHelpOptions = true)
public final class ImageCachePruneCommand implements Callable<Integer> {
  @CommandLine.ParentCommand ImageCacheCommand cache;

  @Override
  public Integer call() {
    try (Services s = cache.image.services()) {
      PruneCacheResponse r =
          s.imageLong()
              .pruneCache(
                  PruneCacheRequest.newBuilder()
                      .setRequestId(UUID.randomUUID().toString())
                      .build());
      cache
          .image
          .out()
          .printf("freed %s (%d blobs)%n", Sizes.human(r.getBytesFreed()), r.getBlobsRemoved());
      return 0;
    }
  }
}
