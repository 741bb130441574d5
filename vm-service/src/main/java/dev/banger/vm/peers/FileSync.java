package dev.banger.vm.peers;

import com.google.protobuf.ByteString;
import dev.banger.api.disk.v1.Ext4Entry;
import dev.banger.api.disk.v1.GuestFile;
import dev.banger.api.disk.v1.WriteGuestFilesRequest;
import dev.banger.kit.config.FileSyncEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * {@code [[file_sync]]} at start: each host file or directory read (with vm-service's own rights:
 * the owner's) and written onto the work disk through disk-service, before the VM boots. A host
 * path that is missing, a symbolic link, or a file too big for one call is a warning, never a
 * failed start (docs/workspaces.md). Files get the entry's mode, directories 0700, all root's.
 */
final class FileSync {

  /** Bytes of file content per WriteGuestFiles call, well under gRPC's 4 MiB message limit. */
  static final long CALL_BYTES = 2L << 20;

  record Plan(List<WriteGuestFilesRequest> requests, List<String> warnings) {}

  private FileSync() {}

  static Plan plan(
      List<FileSyncEntry> entries, String workDiskPath, Path home, Supplier<String> requestIds)
      throws IOException {
    List<String> warnings = new ArrayList<>();
    Set<String> dirs = new LinkedHashSet<>();
    List<GuestFile> files = new ArrayList<>();
    for (FileSyncEntry e : entries) {
      Path host =
          e.host().startsWith("~/") ? home.resolve(e.host().substring(2)) : Path.of(e.host());
      String guest = e.workDiskPath();
      if (!Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
        warnings.add("file_sync: " + host + " does not exist; " + e.guest() + " not written");
        continue;
      }
      parents(guest, dirs);
      if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
        dirs.add(guest);
        try (Stream<Path> walk = Files.walk(host)) {
          for (Path p : walk.sorted().toList()) {
            String to = guest + (p.equals(host) ? "" : "/" + host.relativize(p));
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
              dirs.add(to);
            } else {
              file(p, to, e, files, warnings);
            }
          }
        }
      } else {
        file(host, guest, e, files, warnings);
      }
    }
    List<WriteGuestFilesRequest> requests = new ArrayList<>();
    WriteGuestFilesRequest.Builder b =
        WriteGuestFilesRequest.newBuilder()
            .setRequestId(requestIds.get())
            .setImagePath(workDiskPath);
    dirs.forEach(d -> b.addDirectories(Ext4Entry.newBuilder().setPath(d).setMode(0700).build()));
    long bytes = 0;
    for (GuestFile f : files) {
      if (bytes > 0 && bytes + f.getContent().size() > CALL_BYTES) {
        requests.add(b.build());
        b.clear().setRequestId(requestIds.get()).setImagePath(workDiskPath);
        bytes = 0;
      }
      b.addFiles(f);
      bytes += f.getContent().size();
    }
    if (b.getFilesCount() > 0 || b.getDirectoriesCount() > 0) {
      requests.add(b.build());
    }
    return new Plan(requests, warnings);
  }

  /** The directories above {@code guest} on the work disk, outermost first (its root exists). */
  private static void parents(String guest, Set<String> dirs) {
    List<String> up = new ArrayList<>();
    for (int i = guest.indexOf('/', 1); i > 0; i = guest.indexOf('/', i + 1)) {
      up.add(guest.substring(0, i));
    }
    dirs.addAll(up);
  }

  private static void file(
      Path p, String to, FileSyncEntry e, List<GuestFile> files, List<String> warnings)
      throws IOException {
    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
      warnings.add(
          "file_sync: " + p + " is not a regular file (a link, socket or device); not written");
      return;
    }
    long size = Files.size(p);
    if (size > CALL_BYTES) {
      warnings.add(
          "file_sync: "
              + p
              + " is "
              + size
              + " bytes, over the "
              + CALL_BYTES
              + " a synced file may be;"
              + " not written (copy it with 'banger vm cp')");
      return;
    }
    files.add(
        GuestFile.newBuilder()
            .setPath(to)
            .setContent(ByteString.copyFrom(Files.readAllBytes(p)))
            .setMode(e.modeOrDefault())
            .build());
  }
}
