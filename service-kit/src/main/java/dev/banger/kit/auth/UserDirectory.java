package dev.banger.kit.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Looks up users and groups in the host's passwd/group files (the same files NSS "files" reads).
 * Looked up on each decision, so a group change takes effect without a restart; the files are small
 * and the page cache keeps them hot.
 */
public class UserDirectory {

  private final Path passwd;
  private final Path group;

  public UserDirectory() {
    this(Path.of("/etc/passwd"), Path.of("/etc/group"));
  }

  public UserDirectory(Path passwd, Path group) {
    this.passwd = passwd;
    this.group = group;
  }

  public Optional<Integer> uidOf(String user) {
    return lines(passwd).stream()
        .map(l -> l.split(":", -1))
        .filter(f -> f.length >= 4 && f[0].equals(user))
        .map(f -> parseId(f[2]))
        .flatMap(Optional::stream)
        .findFirst();
  }

  public Optional<String> userName(int uid) {
    return lines(passwd).stream()
        .map(l -> l.split(":", -1))
        .filter(f -> f.length >= 4 && parseId(f[2]).equals(Optional.of(uid)))
        .map(f -> f[0])
        .findFirst();
  }

  public Optional<Integer> gidOf(String groupName) {
    return groupEntry(groupName).flatMap(f -> parseId(f[2]));
  }

  /** Whether {@code uid} (whose primary gid is {@code gid}) belongs to {@code groupName}. */
  public boolean isMember(int uid, int gid, String groupName) {
    Optional<String[]> entry = groupEntry(groupName);
    if (entry.isEmpty()) {
      return false;
    }
    String[] f = entry.get();
    if (parseId(f[2]).equals(Optional.of(gid))) {
      return true;
    }
    Optional<String> name = userName(uid);
    if (name.isEmpty() || f.length < 4 || f[3].isEmpty()) {
      return false;
    }
    // A list, not Set.of: /etc/group may name a member twice.
    return java.util.Arrays.asList(f[3].split(",")).contains(name.get());
  }

  private Optional<String[]> groupEntry(String name) {
    return lines(group).stream()
        .map(l -> l.split(":", -1))
        .filter(f -> f.length >= 3 && f[0].equals(name))
        .findFirst();
  }

  private static Optional<Integer> parseId(String s) {
    try {
      return Optional.of(Integer.parseUnsignedInt(s));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static List<String> lines(Path p) {
    try {
      return Files.readAllLines(p).stream()
          .filter(l -> !l.isBlank() && !l.startsWith("#"))
          .toList();
    } catch (IOException e) {
      // No directory means no name-based grants: numeric uids still work.
      return List.of();
    }
  }
}
