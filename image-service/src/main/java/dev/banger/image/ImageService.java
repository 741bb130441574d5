package dev.banger.image;

import dev.banger.api.disk.v1.BuildWorkSeedRequest;
import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.ext4.BlockDevicePolicy;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.image.build.RootfsBuilder;
import dev.banger.image.catalog.Catalog;
import dev.banger.image.flatten.FlattenLimits;
import dev.banger.image.oci.BlobCache;
import dev.banger.image.oci.LayerFetcher;
import dev.banger.image.oci.RegistryClient;
import dev.banger.image.oci.RegistryCredentials;
import dev.banger.image.oci.TransportPolicy;
import dev.banger.image.store.ImageStore;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.ImageConfig;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.DirectoryTrees;
import dev.banger.kit.state.ServiceName;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * image-service (DESIGN.md §7): pulls into ext4 rootfs images (OCI images, and the catalog's
 * mmdebstrap recipes and bundles), the image store, and the blob cache. Kernels are not served yet.
 */
public final class ImageService implements BangerService {

  private static final Logger LOG = LoggerFactory.getLogger(ImageService.class);

  private ManagedChannel disk;

  @Override
  public ServiceName name() {
    return ServiceName.IMAGE;
  }

  @Override
  public List<BindableService> start(ServiceContext context) throws IOException, ConfigException {
    ImageConfig cfg = context.config().imageOrDefaults();
    Path images = context.layout().images();
    ImageStore store = new ImageStore(context.database());
    clearLeftovers(images, store);
    Path scratch = context.layout().freshScratch(ServiceName.IMAGE);

    Ext4Toolkit kit = new Ext4Toolkit(context.commands(), BlockDevicePolicy.fromProcess(), scratch);
    FlattenLimits defaults = FlattenLimits.defaults();
    FlattenLimits limits = new FlattenLimits(
        or(cfg.maxEntryBytes(), defaults.maxEntryBytes()), or(cfg.maxTotalBytes(), defaults.maxTotalBytes()),
        or(cfg.maxEntries(), defaults.maxEntries()));
    RootfsBuilder builder = new RootfsBuilder(kit, or(cfg.minRootfsBytes(), 1L << 30));
    BlobCache cache = new BlobCache(context.layout().ociCache());
    LayerFetcher fetcher = new LayerFetcher(cache, cfg.parallelDownloads() == null ? 3 : cfg.parallelDownloads());
    disk = context.channelTo(ServiceName.DISK);
    Path diskSocket = context.config().socketPath(ServiceName.DISK, context.layout());
    PullPipeline.Seeder seeder = rootfs -> {
      try {
        var reply = DiskServiceGrpc.newBlockingStub(disk).withDeadlineAfter(10, TimeUnit.MINUTES)
            .buildWorkSeed(BuildWorkSeedRequest.newBuilder().setRootfsPath(rootfs.toString()).build());
        return Path.of(reply.getSeedPath());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
          throw Errors.of(Status.FAILED_PRECONDITION.withDescription("disk-service (" + diskSocket
              + ") is not reachable, so the work-seed cannot be built: " + e.getStatus().getDescription()),
              "DISK_SERVICE_UNAVAILABLE", Map.of());
        }
        throw e;
      }
    };
    PullPipeline pipeline = new PullPipeline(images, limits, builder, seeder, store);
    TransportPolicy transport = TransportPolicy.withInsecureRegistries(
        cfg.insecureRegistries() == null ? Set.of() : new HashSet<>(cfg.insecureRegistries()));
    Catalog catalog = Catalog.load(cfg.catalog(), transport);
    LOG.info("image catalog: {}", String.join(", ", catalog.names()));
    PullSources sources = new PullSources(catalog, creds -> client(cfg, transport, creds), fetcher, cache,
        context.commands(), limits.maxTotalBytes());
    return List.of(new ImageGrpcService(store, pipeline, sources, cache, context.operations()));
  }

  private static RegistryClient client(ImageConfig cfg, TransportPolicy transport, String override) {
    RegistryCredentials creds;
    try {
      creds = cfg.dockerConfig() != null
          ? RegistryCredentials.fromDockerConfig(Path.of(cfg.dockerConfig()))
          : RegistryCredentials.fromDefaultDockerConfig();
    } catch (IOException e) {
      throw Errors.of(Status.FAILED_PRECONDITION.withDescription("cannot read registry credentials: " + e.getMessage()),
          "CREDENTIALS_UNREADABLE", Map.of());
    }
    if (!override.isEmpty()) {
      creds = creds.withOverride(override);
    }
    return RegistryClient.builder().credentials(creds).transport(transport).build();
  }

  private static long or(Long v, long d) {
    return v == null ? d : v;
  }

  /**
   * A pull killed mid-way leaves {@code .staging/}; one killed between publish and record leaves
   * a directory no row names. Both go. Rows whose files vanished are kept and logged: deleting a
   * record behind an operator's back would hide the problem.
   */
  private static void clearLeftovers(Path images, ImageStore store) throws IOException {
    DirectoryTrees.delete(images.resolve(".staging"));
    Set<Path> known = new HashSet<>();
    for (String p : store.rootfsPaths()) {
      known.add(Path.of(p).getParent());
      if (!Files.exists(Path.of(p))) {
        LOG.warn("image rootfs {} is on record but missing", p);
      }
    }
    try (Stream<Path> s = Files.list(images)) {
      for (Path d : s.toList()) {
        boolean pullDir = d.getFileName().toString().matches("[0-9a-f-]{36}");
        if (pullDir && Files.isDirectory(d) && !known.contains(d)) {
          LOG.info("removing {}: published by a pull that died before recording it", d);
          DirectoryTrees.delete(d);
        }
      }
    }
  }

  @Override
  public void stop() {
    if (disk != null) {
      disk.shutdownNow();
    }
  }
}
