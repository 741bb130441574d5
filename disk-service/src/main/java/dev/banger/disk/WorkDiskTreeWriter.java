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
 * directory (file contents only, under numbered names: no name from the archive ever touches
 * the host's filesystem), checked as a whole, then written onto the VM's work disk by
 * {@link Ext4Toolkit#writeTree} in one debugfs process. The VM's disk lock is held throughout.
 * Every byte is hostile: entry types other than directory, file and symbolic link, a chunk over
 * 1 MiB, more than {@value #MAX_ENTRIES} entries, more file bytes than the disk has free, and
 * an archive that ends inside a file are refused before anything is written; the staging
 * directory is removed whatever happens.
 */
final class WorkDiskTreeWriter {

  private static final Logger LOG = LoggerFactory.getLogger(WorkDiskTreeWriter.class);
  static final int MAX_CHUNK = 1 << 20;
  static final int MAX_ENTRIES = 1_000_000;
  /** End-of-archive records and block padding after the last entry; anything beyond is refused. */
  static final long MAX_TRAILER = 1 << 20;

  private final VmDisks disks;
  private final Ext4Toolkit kit;
  private final Path scratch;

  WorkDiskTreeWriter(VmDisks disks, Ext4Toolkit kit, Path scratch) {
    this.disks = disks;
    this.kit = kit;
    this.scratch = scratch;
  }

  StreamObserver<WriteWorkDiskTreeRequest> open(StreamObserver<WriteWorkDiskTreeResponse> responses) {
    ServerCallStreamObserver<WriteWorkDiskTreeResponse> call =
        (ServerCallStreamObserver<WriteWorkDiskTreeResponse>) responses;
    call.disableAutoRequest();
    TarInbound inbound = new TarInbound(call::request);
    call.setOnCancelHandler(() -> inbound.abort("the client cancelled the write"));
    call.request(1);
    return new StreamObserver<>() {
      private boolean started;

      @Override
      public void onNext(WriteWorkDiskTreeRequest req) {
        if (!started) {
          started = true;
          if (!req.hasHeader()) {
            call.onError(Errors.invalidArgument("header", "the first message of WriteWorkDiskTree must be its header"));
            return;
          }
          WorkDiskTreeHeader h = req.getHeader();
          Thread.ofPlatform().name("work-disk-tree").daemon().start(() -> run(h, inbound, call));
        } else if (req.hasHeader()) {
          inbound.abort("a second header arrived in the middle of the archive");
        } else if (req.getTar().size() > MAX_CHUNK) {
          inbound.abort("a tar chunk of " + req.getTar().size() + " bytes is over the " + MAX_CHUNK + " byte limit");
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

  private void run(WorkDiskTreeHeader h, TarInbound inbound, ServerCallStreamObserver<WriteWorkDiskTreeResponse> call) {
    long t0 = System.nanoTime();
    try {
      GuestPath root = GuestPath.of(h.getPath());
      if (root.isRoot()) {
        throw Errors.invalidArgument("path", "path must be a directory below the work disk's root, not / itself");
      }
      WriteWorkDiskTreeResponse r = disks.withWorkDisk(h.getVmId(), disk -> {
        Ext4Image image = kit.recoverForEdit(kit.open(disk));
        Files.createDirectories(scratch);
        Path stage = Files.createTempDirectory(scratch, "tree-");
        try {
          List<Ext4Tree.Entry> entries = unpack(inbound, stage, image.superblock().freeBytes());
          long t1 = System.nanoTime();
          Ext4Tree.Result res = kit.writeTree(image, root, entries);
          LOG.info("tree {} on the work disk of VM {}: {} directories, {} files, {} links, {} bytes; received and "
              + "staged in {} ms, written by debugfs in {} ms", root, h.getVmId(), res.directories(), res.files(),
              res.symlinks(), res.bytes(), (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
          return WriteWorkDiskTreeResponse.newBuilder().setDirectories(res.directories()).setFiles(res.files())
              .setSymlinks(res.symlinks()).setBytes(res.bytes()).build();
        } finally {
          DirectoryTrees.delete(stage);
        }
      });
      call.onNext(r);
      call.onCompleted();
    } catch (Throwable t) {
      if (!call.isCancelled()) {
        call.onError(t instanceof IOException io && !(t instanceof java.nio.file.FileSystemException)
            ? Errors.of(Status.INVALID_ARGUMENT.withDescription("the archive could not be read: " + io.getMessage()),
                "ARCHIVE_INVALID", Map.of("vm_id", h.getVmId()))
            : DiskErrors.toStatus(t, "vm_id"));
      }
    }
  }

  /** Reads the whole archive: file bytes to numbered staged files, everything else into the entry list. */
  static List<Ext4Tree.Entry> unpack(TarInbound inbound, Path stage, long freeBytes) throws IOException {
    List<Ext4Tree.Entry> entries = new ArrayList<>();
    long bytes = 0;
    TarArchiveInputStream tar = new TarArchiveInputStream(inbound);
    for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
      if (entries.size() == MAX_ENTRIES) {
        throw new Ext4Exception(Ext4Exception.Kind.OUT_OF_RANGE, "the archive has more than " + MAX_ENTRIES
            + " entries");
      }
      String name = e.getName();
      long mtime = e.getLastModifiedTime() == null ? 0 : e.getLastModifiedTime().to(TimeUnit.SECONDS);
      if (e.isSymbolicLink()) {
        entries.add(Ext4Tree.Entry.symlink(name, e.getLinkName(), mtime));
      } else if (e.isDirectory()) {
        entries.add(Ext4Tree.Entry.directory(name.endsWith("/") ? name.substring(0, name.length() - 1) : name,
            e.getMode(), mtime));
      } else if (regular(e)) {
        bytes += e.getSize();
        if (bytes > freeBytes) {
          throw new Ext4Exception(Ext4Exception.Kind.OUT_OF_RANGE, "the archive's files (" + bytes
              + " bytes so far) are larger than the work disk's free space (" + freeBytes + " bytes)");
        }
        Path staged = stage.resolve(Integer.toString(entries.size()));
        long n;
        try (OutputStream out = Files.newOutputStream(staged)) {
          n = tar.transferTo(out);
        }
        if (n != e.getSize()) {
          throw new IOException("the archive ends inside " + Printable.quoted(name, 120) + " (" + n + " of "
              + e.getSize() + " bytes)");
        }
        entries.add(Ext4Tree.Entry.file(name, e.getMode(), mtime, staged, n));
      } else {
        throw new Ext4Exception(Ext4Exception.Kind.INVALID_ARGUMENT, "entry " + Printable.quoted(name, 120)
            + " is a " + kind(e) + "; only directories, regular files and symbolic links are written");
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
   * By its type flag alone: commons-compress's {@code isFile()} is also true for devices and
   * FIFOs (anything that is not a directory), which must not become files here.
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
