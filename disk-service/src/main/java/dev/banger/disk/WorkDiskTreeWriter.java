package dev.banger.disk;

import dev.banger.api.disk.v1.WorkDiskTreeHeader;
import dev.banger.api.disk.v1.WriteWorkDiskTreeRequest;
import dev.banger.api.disk.v1.WriteWorkDiskTreeResponse;
import dev.banger.ext4.Ext4Exception;
import dev.banger.ext4.Ext4Image;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.ext4.Ext4Tree;
import dev.banger.ext4.GuestPath;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.grpc.InboundBytes;
import dev.banger.kit.state.DirectoryTrees;
import dev.banger.kit.text.Printable;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WriteWorkDiskTree: a tar archive streamed in by vm-service, unpacked into a private staging
 * directory (file contents only, under numbered names: no name from the archive ever touches the
 * host's filesystem), checked as a whole, then written onto the VM's work disk by {@link
 * Ext4Toolkit#writeTree} in one debugfs process. The VM's disk lock is held throughout. Every byte
 * is hostile: entry types other than directory, file and symbolic link, a chunk over 1 MiB, more
 * than {@value #MAX_ENTRIES} entries, more file bytes than the disk has free, and an archive that
 * ends inside a file are refused before anything is written; the staging directory is removed
 * whatever happens.
 */
final class WorkDiskTreeWriter {

  private static final Logger LOG = LoggerFactory.getLogger(WorkDiskTreeWriter.class);
  static final int MAX_CHUNK = 1 << 20;
  static final int MAX_ENTRIES = 1_000_000;

  /** End-of-archive records and block padding after the last entry; anything beyond is refused. */
  static final long MAX_TRAILER = 1 << 20;

  static final String SHM = "/dev/shm";
  static final String SHM_PREFIX = "banger-disk-tree-";
  private static final java.nio.file.attribute.FileAttribute<?> PRIVATE =
      java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

  private final VmDisks disks;
  private final Ext4Toolkit kit;
  private final Path scratch;

  WorkDiskTreeWriter(VmDisks disks, Ext4Toolkit kit, Path scratch) {
    this.disks = disks;
    this.kit = kit;
    this.scratch = scratch;
  }

  StreamObserver<WriteWorkDiskTreeRequest> open(
      StreamObserver<WriteWorkDiskTreeResponse> responses) {
    ServerCallStreamObserver<WriteWorkDiskTreeResponse> call =
        (ServerCallStreamObserver<WriteWorkDiskTreeResponse>) responses;
    call.disableAutoRequest();
    InboundBytes inbound = new InboundBytes(call::request);
    call.setOnCancelHandler(() -> inbound.abort("the client cancelled the write"));
    call.request(1);
    return new StreamObserver<>() {
      private boolean started;

      @Override
      public void onNext(WriteWorkDiskTreeRequest req) {
        if (!started) {
          started = true;
          if (!req.hasHeader()) {
            call.onError(
                Errors.invalidArgument(
                    "header", "the first message of WriteWorkDiskTree must be its header"));
            return;
          }
          WorkDiskTreeHeader h = req.getHeader();
          Thread.ofPlatform().name("work-disk-tree").daemon().start(() -> run(h, inbound, call));
        } else if (req.hasHeader()) {
          inbound.abort("a second header arrived in the middle of the archive");
        } else if (req.getTar().size() > MAX_CHUNK) {
          inbound.abort(
              "a tar chunk of "
                  + req.getTar().size()
                  + " bytes is over the "
                  + MAX_CHUNK
                  + " byte limit");
        } else {
          inbound.offer(req.getTar());
        }
      }

      @Override
      public void onError(Throwable t) {
        inbound.abort("the client ended the stream with an error: " + t.getMessage());
      }

      @Override
      public void onCompleted() {
        inbound.end();
      }
    };
  }

  private void run(
      WorkDiskTreeHeader h,
      InboundBytes inbound,
      ServerCallStreamObserver<WriteWorkDiskTreeResponse> call) {
    long t0 = System.nanoTime();
    try {
      GuestPath root = GuestPath.of(h.getPath());
      if (root.isRoot()) {
        throw Errors.invalidArgument(
            "path", "path must be a directory below the work disk's root, not / itself");
      }
      WriteWorkDiskTreeResponse r =
          disks.withWorkDisk(
              h.getVmId(),
              disk -> {
                DiskInUse.refuseIfOpen(disk, "work disk");
                Ext4Image image = kit.recoverForEdit(kit.open(disk));
                long free = image.superblock().freeBytes();
                if (h.getFileBytes() > free) {
                  throw new Ext4Exception(
                      Ext4Exception.Kind.OUT_OF_RANGE,
                      "the tree's "
                          + h.getFileBytes()
                          + " bytes of files are more than the work disk's free space ("
                          + free
                          + " bytes)");
                }
                Path stage = stagingDir(h.getFileBytes());
                try {
                  List<Ext4Tree.Entry> entries =
                      unpack(
                          inbound,
                          stage,
                          h.getFileBytes() > 0 ? h.getFileBytes() : free,
                          h.getFileBytes() > 0
                              ? "the header's file_bytes"
                              : "the work disk's free space");
                  long t1 = System.nanoTime();
                  Ext4Tree.Result res = kit.writeTree(image, root, entries);
                  LOG.info(
                      "tree {} on the work disk of VM {}: {} directories, {} files, {} links, {} bytes; received and "
                          + "staged in {} ms, written by debugfs in {} ms",
                      root,
                      h.getVmId(),
                      res.directories(),
                      res.files(),
                      res.symlinks(),
                      res.bytes(),
                      (t1 - t0) / 1_000_000,
                      (System.nanoTime() - t1) / 1_000_000);
                  return WriteWorkDiskTreeResponse.newBuilder()
                      .setDirectories(res.directories())
                      .setFiles(res.files())
                      .setSymlinks(res.symlinks())
                      .setBytes(res.bytes())
                      .build();
                } finally {
                  DirectoryTrees.delete(stage);
                }
              });
      call.onNext(r);
      call.onCompleted();
    } catch (Throwable t) {
      if (!call.isCancelled()) {
        call.onError(
            t instanceof IOException io && !(t instanceof java.nio.file.FileSystemException)
                ? Errors.of(
                    Status.INVALID_ARGUMENT.withDescription(
                        "the archive could not be read: " + io.getMessage()),
                    "ARCHIVE_INVALID",
                    Map.of("vm_id", h.getVmId()))
                : DiskErrors.toStatus(t, "vm_id"));
      }
    }
  }

  /**
   * Reads the whole archive: file bytes to numbered staged files, everything else into the entry
   * list.
   */
  /**
   * A private directory (0700, random name) for the staged contents: in {@value #SHM} when the
   * sender said how much comes and a quarter of its free space holds it, else in disk-service's
   * scratch directory. Leftovers of a crash in {@value #SHM} are removed at start-up.
   */
  private Path stagingDir(long fileBytes) throws IOException {
    Path shm = Path.of(SHM);
    if (fileBytes > 0 && Files.isDirectory(shm)) {
      try {
        if (Files.getFileStore(shm).getUsableSpace() / 4 > fileBytes) {
          return Files.createTempDirectory(shm, SHM_PREFIX, PRIVATE);
        }
      } catch (IOException e) {
        LOG.debug("cannot stage in {}: {}", SHM, e.toString());
      }
    }
    Files.createDirectories(scratch);
    return Files.createTempDirectory(scratch, "tree-", PRIVATE);
  }

  /** Removes staging directories a killed disk-service left in /dev/shm (its own only). */
  static void removeShmLeftovers() {
    Path shm = Path.of(SHM);
    if (!Files.isDirectory(shm)) {
      return;
    }
    try (var dirs = Files.newDirectoryStream(shm, SHM_PREFIX + "*")) {
      for (Path d : dirs) {
        try {
          if (Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)
              && Files.getOwner(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                  .getName()
                  .equals(System.getProperty("user.name"))) {
            DirectoryTrees.delete(d);
          }
        } catch (IOException e) {
          LOG.warn("cannot remove the leftover staging directory {}: {}", d, e.toString());
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", SHM, e.toString());
    }
  }

  static List<Ext4Tree.Entry> unpack(InboundBytes inbound, Path stage, long limit, String limitName)
      throws IOException {
    List<Ext4Tree.Entry> entries = new ArrayList<>();
    long bytes = 0;
    TarArchiveInputStream tar = new TarArchiveInputStream(inbound);
    for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
      if (entries.size() == MAX_ENTRIES) {
        throw new Ext4Exception(
            Ext4Exception.Kind.OUT_OF_RANGE,
            "the archive has more than " + MAX_ENTRIES + " entries");
      }
      String name = e.getName();
      long mtime =
          e.getLastModifiedTime() == null ? 0 : e.getLastModifiedTime().to(TimeUnit.SECONDS);
      if (e.isSymbolicLink()) {
        entries.add(Ext4Tree.Entry.symlink(name, e.getLinkName(), mtime));
      } else if (e.isDirectory()) {
        entries.add(
            Ext4Tree.Entry.directory(
                name.endsWith("/") ? name.substring(0, name.length() - 1) : name,
                e.getMode(),
                mtime));
      } else if (regular(e)) {
        bytes += e.getSize();
        if (bytes > limit) {
          throw new Ext4Exception(
              Ext4Exception.Kind.OUT_OF_RANGE,
              "the archive's files ("
                  + bytes
                  + " bytes so far) are more than "
                  + limitName
                  + " ("
                  + limit
                  + " bytes)");
        }
        Path staged = stage.resolve(Integer.toString(entries.size()));
        long n;
        try (OutputStream out = Files.newOutputStream(staged)) {
          n = tar.transferTo(out);
        }
        if (n != e.getSize()) {
          throw new IOException(
              "the archive ends inside "
                  + Printable.quoted(name, 120)
                  + " ("
                  + n
                  + " of "
                  + e.getSize()
                  + " bytes)");
        }
        entries.add(Ext4Tree.Entry.file(name, e.getMode(), mtime, staged, n));
      } else {
        throw new Ext4Exception(
            Ext4Exception.Kind.INVALID_ARGUMENT,
            "entry "
                + Printable.quoted(name, 120)
                + " is a "
                + kind(e)
                + "; only directories, regular files and symbolic links are written");
      }
    }
    // What may follow the end-of-archive records is block padding, not more data.
    long trailer = inbound.skip(MAX_TRAILER + 1);
    while (trailer <= MAX_TRAILER && inbound.read() >= 0) {
      trailer++;
    }
    if (trailer > MAX_TRAILER) {
      throw new IOException("more than " + MAX_TRAILER + " bytes follow the end of the archive");
    }
    return entries;
  }

  /**
   * By its type flag alone: commons-compress's {@code isFile()} is also true for devices and FIFOs
   * (anything that is not a directory), which must not become files here.
   */
  static boolean regular(TarArchiveEntry e) {
    byte f = e.getLinkFlag();
    return (f == TarConstants.LF_NORMAL || f == TarConstants.LF_OLDNORM) && !e.isSparse();
  }

  private static String kind(TarArchiveEntry e) {
    if (e.isLink()) {
      return "hard link";
    }
    if (e.isCharacterDevice() || e.isBlockDevice()) {
      return "device";
    }
    if (e.isFIFO()) {
      return "FIFO";
    }
    if (e.isSparse()) {
      return "sparse file";
    }
    return "entry of type '" + (char) e.getLinkFlag() + "'";
  }
}
