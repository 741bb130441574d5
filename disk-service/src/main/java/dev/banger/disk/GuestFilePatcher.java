package dev.banger.disk;

import dev.banger.api.disk.v1.Ext4Entry;
import dev.banger.api.disk.v1.FstabEntry;
import dev.banger.api.disk.v1.GuestFile;
import dev.banger.api.disk.v1.WriteGuestFilesRequest;
import dev.banger.api.disk.v1.WriteGuestFilesResponse;
import dev.banger.ext4.Ext4Edit;
import dev.banger.ext4.Ext4Exception;
import dev.banger.ext4.Ext4Image;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.ext4.FileType;
import dev.banger.ext4.GuestPath;
import dev.banger.kit.grpc.Errors;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * WriteGuestFiles: the per-VM guest config (hostname, hosts, resolv.conf, network unit, sshd
 * drop-in, fstab, authorized_keys…) applied to an overlay or work disk in one debugfs write batch.
 * When fstab edits are asked for, the guest's current {@code /etc/fstab} is read first and
 * re-rendered by {@link Fstab}, keeping the lines it does not touch.
 */
final class GuestFilePatcher {

  static final int MAX_FILES = 1024;
  static final long MAX_TOTAL_BYTES = 64L << 20;
  static final long MAX_FSTAB_BYTES = 1L << 20;
  private static final GuestPath FSTAB = GuestPath.of("/etc/fstab");

  private final PathGuard guard;
  private final Ext4Toolkit kit;

  GuestFilePatcher(PathGuard guard, Ext4Toolkit kit) {
    this.guard = guard;
    this.kit = kit;
  }

  WriteGuestFilesResponse apply(WriteGuestFilesRequest req) {
    if (req.getFilesCount() + req.getDirectoriesCount() > MAX_FILES) {
      throw Errors.invalidArgument(
          "files", "at most " + MAX_FILES + " files and directories per call");
    }
    long total = 0;
    Ext4Edit edit = new Ext4Edit();
    try {
      for (Ext4Entry d : req.getDirectoriesList()) {
        int mode = d.getMode();
        if ((mode & FileType.S_IFMT) != 0
            && (mode & FileType.S_IFMT) != FileType.DIRECTORY.bits()) {
          throw Errors.invalidArgument(
              "directories",
              "directory "
                  + d.getPath()
                  + " has a non-directory mode 0"
                  + Integer.toOctalString(mode));
        }
        edit.mkdir(
            d.getPath(),
            Integer.toUnsignedLong(d.getUid()),
            Integer.toUnsignedLong(d.getGid()),
            mode & ~FileType.S_IFMT);
      }
      boolean fstabAsFile = false;
      for (GuestFile f : req.getFilesList()) {
        total += f.getContent().size();
        fstabAsFile |= f.getPath().equals(FSTAB.toString());
      }
      boolean fstabEdits = req.getFstabDropTargetsCount() > 0 || req.getFstabAddCount() > 0;
      if (fstabAsFile && fstabEdits) {
        throw Errors.invalidArgument(
            "files", "/etc/fstab is both written whole and edited; pick one");
      }
      if (total > MAX_TOTAL_BYTES) {
        throw Errors.invalidArgument(
            "files",
            "files total " + total + " bytes, over the " + MAX_TOTAL_BYTES + " byte limit");
      }
      List<Fstab.Mount> mounts = new ArrayList<>();
      for (FstabEntry e : req.getFstabAddList()) {
        mounts.add(
            new Fstab.Mount(
                e.getSource(),
                e.getTarget(),
                e.getFsType(),
                e.getOptions(),
                e.getDump(),
                e.getPass()));
      }
      for (String t : req.getFstabDropTargetsList()) {
        GuestPath.of(t);
      }
      for (GuestFile f : req.getFilesList()) {
        edit.write(
            f.getPath(),
            f.getContent().toByteArray(),
            Integer.toUnsignedLong(f.getUid()),
            Integer.toUnsignedLong(f.getGid()),
            f.getMode());
      }
      // A disk a killed guest left behind is repaired before fstab is read from it.
      java.nio.file.Path file = guard.existingStateFile("image_path", req.getImagePath());
      DiskInUse.refuseIfOpen(file, "image");
      Ext4Image image = kit.recoverForEdit(kit.open(file));
      if (fstabEdits) {
        String current = currentFstab(image);
        String rendered = Fstab.render(current, req.getFstabDropTargetsList(), mounts);
        edit.write(FSTAB.toString(), rendered.getBytes(StandardCharsets.UTF_8), 0, 0, 0644);
      }
      Ext4Toolkit.EditResult r = kit.apply(image, edit);
      return WriteGuestFilesResponse.newBuilder()
          .setFilesWritten(r.filesWritten())
          .setDirectoriesMade(r.directoriesCreated() + r.parentsCreated())
          .build();
    } catch (Ext4Exception e) {
      throw DiskErrors.toStatus(e, "image_path");
    }
  }

  private String currentFstab(Ext4Image image) {
    try {
      return new String(kit.readFile(image, FSTAB, MAX_FSTAB_BYTES), StandardCharsets.UTF_8);
    } catch (Ext4Exception e) {
      if (e.kind() == Ext4Exception.Kind.NOT_FOUND) {
        return "";
      }
      throw e;
    }
  }
}
