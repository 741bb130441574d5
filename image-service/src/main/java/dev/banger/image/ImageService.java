package dev.banger.image;

import dev.banger.ext4.BlockDevicePolicy;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.image.api.ImageGrpcService;
import dev.banger.image.app.ImageLibrary;
import dev.banger.image.app.ImageProblem;
import dev.banger.image.app.ImagePromoter;
import dev.banger.image.app.ImagePulls;
import dev.banger.image.app.ImageRegistrar;
import dev.banger.image.app.KernelImport;
import dev.banger.image.app.KernelLibrary;
import dev.banger.image.app.KernelPull;
import dev.banger.image.app.NameLocks;
import dev.banger.image.app.PullPipeline;
import dev.banger.image.app.PullSources;
import dev.banger.image.build.RootfsBuilder;
import dev.banger.image.catalog.Catalog;
import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.catalog.LiveCatalog;
import dev.banger.image.flatten.DiskReserve;
import dev.banger.image.flatten.FlattenLimits;
import dev.banger.image.kernel.SourceFiles;
import dev.banger.image.kit.GuestKits;
import dev.banger.image.oci.BlobCache;
import dev.banger.image.oci.LayerFetcher;
import dev.banger.image.oci.RegistryClient;
import dev.banger.image.oci.RegistryCredentials;
import dev.banger.image.oci.TransportPolicy;
import dev.banger.image.peers.GrpcWorkSeeds;
import dev.banger.image.ports.WorkSeeds;
import dev.banger.image.source.BootstrapModes;
import dev.banger.image.source.DebianKernelPackages;
import dev.banger.image.source.DebianKitPackages;
import dev.banger.image.source.ProcessFacts;
import dev.banger.image.store.ImageStore;
import dev.banger.image.store.KernelStore;
import dev.banger.kit.config.ConfigException;
import dev.banger.kit.config.ImageConfig;
import dev.banger.kit.service.BangerService;
import dev.banger.kit.service.ServiceContext;
import dev.banger.kit.state.DirectoryTrees;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * image-service (docs/architecture.md §7): pulls into ext4 rootfs images (OCI images, and the
 * catalog's mmdebstrap recipes and bundles), the image store, kernel imports ({@code kernels/},
 * docs/kernels.md), registered images and their promotion, and the blob cache.
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
    clearLeftovers(images, store.rootfsPaths(), "image rootfs", "pull");
    KernelStore kernelStore = new KernelStore(context.database());
    Path kernelsDir = context.layout().kernels();
    clearLeftovers(
        kernelsDir,
        kernelStore.all().stream().map(KernelStore.KernelRow::vmlinuxPath).toList(),
        "kernel",
        "kernel import");
    Path scratch = context.layout().freshScratch(ServiceName.IMAGE);

    Ext4Toolkit kit = new Ext4Toolkit(context.commands(), BlockDevicePolicy.fromProcess(), scratch);
    FlattenLimits defaults = FlattenLimits.defaults();
    FlattenLimits limits =
        new FlattenLimits(
            or(cfg.maxEntryBytes(), defaults.maxEntryBytes()),
            or(cfg.maxTotalBytes(), defaults.maxTotalBytes()),
            or(cfg.maxEntries(), defaults.maxEntries()),
            new DiskReserve(cfg.reserveBytes()));
    RootfsBuilder builder = new RootfsBuilder(kit, or(cfg.minRootfsBytes(), 1L << 30));
    BlobCache cache = new BlobCache(context.layout().ociCache(), limits.reserve());
    LayerFetcher fetcher =
        new LayerFetcher(cache, cfg.parallelDownloads() == null ? 3 : cfg.parallelDownloads());
    disk = context.channelTo(ServiceName.DISK);
    WorkSeeds seeder =
        new GrpcWorkSeeds(disk, context.config().socketPath(ServiceName.DISK, context.layout()));
    TransportPolicy transport =
        TransportPolicy.withInsecureRegistries(
            cfg.insecureRegistries() == null ? Set.of() : new HashSet<>(cfg.insecureRegistries()));
    Catalog loaded = Catalog.load(cfg.catalog(), transport);
    LOG.info("image catalog: {}", String.join(", ", loaded.names()));
    // Catalog edits in the config file count from the next pull: no restart (docs/catalog.md).
    LiveCatalog catalog =
        new LiveCatalog(context.liveConfig(), transport, context.config(), loaded);
    // Asked afresh at each build: catalog, kit and kernel builds all run mmdebstrap.
    BootstrapModes bootstrapModes = new BootstrapModes(new ProcessFacts());
    GuestKits kits =
        new GuestKits(
            images.resolve("kit"),
            images.resolve(".staging"),
            kit,
            new DebianKitPackages(
                context.commands(), bootstrapModes, PullSources.BOOTSTRAP_TIMEOUT),
            () -> kitSuite(catalog.get()));
    PullPipeline pipeline = new PullPipeline(images, limits, builder, seeder, store, kits);
    PullSources pullSources =
        new PullSources(
            catalog,
            creds -> client(cfg, transport, creds),
            fetcher,
            cache,
            context.commands(),
            bootstrapModes,
            limits.maxTotalBytes());
    List<Path> stateRoots = ownState(context.layout());
    SourceFiles sources = new SourceFiles(stateRoots, System.getProperty("user.name"));
    KernelImport importer =
        new KernelImport(kernelsDir, sources, KernelImport.Limits.DEFAULT, kernelStore);
    KernelLibrary kernels = new KernelLibrary(kernelStore, importer);
    // A pull's files are in its own work directory under kernels/.staging: no user path rules.
    KernelPull kernelPull =
        new KernelPull(
            catalog,
            new DebianKernelPackages(
                context.commands(), bootstrapModes, PullSources.BOOTSTRAP_TIMEOUT),
            kernelsDir,
            kernels,
            importer.withSources(new SourceFiles(List.of(), System.getProperty("user.name"))));
    NameLocks locks = new NameLocks();
    ImageRegistrar registrar = new ImageRegistrar(store, kernelStore, kit, stateRoots, kits);
    ImagePromoter promoter = new ImagePromoter(images, kit, seeder, store);
    return List.of(
        new ImageGrpcService(
            new ImagePulls(store, pullSources, pipeline, kernels, cache, locks),
            new ImageLibrary(store, registrar, promoter, locks),
            kernels,
            kernelPull,
            kits,
            context.operations()));
  }

  /** The kit's packages come from the suite and mirror of the built-in Debian entry. */
  private static CatalogEntry.Debian kitSuite(Catalog catalog) {
    return catalog
        .find(KIT_SUITE_ENTRY)
        .filter(CatalogEntry.Debian.class::isInstance)
        .map(CatalogEntry.Debian.class::cast)
        .orElseThrow(
            () ->
                new ImageProblem(
                    ImageProblem.Kind.FAILED_PRECONDITION,
                    "KIT_SUITE_MISSING",
                    "banger's guest kit is built from the catalog entry \""
                        + KIT_SUITE_ENTRY
                        + "\", which is not a Debian entry in this configuration",
                    java.util.Map.of("entry", KIT_SUITE_ENTRY)));
  }

  static final String KIT_SUITE_ENTRY = "debian-bookworm";

  /**
   * banger's own directories: a kernel import never reads from them, nothing in them may be
   * registered.
   */
  private static List<Path> ownState(StateLayout layout) throws IOException {
    List<Path> out = new java.util.ArrayList<>();
    for (Path p : List.of(layout.libDir(), layout.cacheDir(), layout.runDir())) {
      out.add(Files.exists(p) ? p.toRealPath() : p.toAbsolutePath().normalize());
    }
    return out;
  }

  private static RegistryClient client(
      ImageConfig cfg, TransportPolicy transport, String override) {
    RegistryCredentials creds;
    try {
      creds =
          cfg.dockerConfig() != null
              ? RegistryCredentials.fromDockerConfig(Path.of(cfg.dockerConfig()))
              : RegistryCredentials.fromDefaultDockerConfig();
    } catch (IOException e) {
      throw new ImageProblem(
          ImageProblem.Kind.FAILED_PRECONDITION,
          "CREDENTIALS_UNREADABLE",
          "cannot read registry credentials: " + e.getMessage(),
          Map.of());
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
   * A pull or import killed mid-way leaves {@code .staging/}; one killed between publish and record
   * leaves a directory no row names. Both go. Rows whose files vanished are kept and logged:
   * deleting a record behind an operator's back would hide the problem.
   *
   * @param recorded a file of each recorded image or kernel, directly inside its directory
   * @param writer what publishes there, for the log
   */
  private static void clearLeftovers(Path dir, List<String> recorded, String what, String writer)
      throws IOException {
    DirectoryTrees.delete(dir.resolve(".staging"));
    Set<Path> known = new HashSet<>();
    for (String p : recorded) {
      known.add(Path.of(p).getParent());
      if (!Files.exists(Path.of(p))) {
        LOG.warn("{} {} is on record but missing", what, p);
      }
    }
    try (Stream<Path> s = Files.list(dir)) {
      for (Path d : s.toList()) {
        boolean ours = d.getFileName().toString().matches("[0-9a-f-]{36}");
        if (ours
            && Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)
            && !known.contains(d)) {
          LOG.info("removing {}: published by a {} that died before recording it", d, writer);
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
