package dev.banger.vm.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * banger's own known_hosts, in OpenSSH's format so the CLI can hand it to the system ssh as {@code
 * UserKnownHostsFile} with {@code StrictHostKeyChecking=yes}. The user's {@code ~/.ssh/known_hosts}
 * is never read or written: guest addresses are reused by new VMs, and pins for them belong to
 * banger, which removes them when it deletes the VM.
 *
 * <p>Lines are {@code <name>[,<name>…] <key-type> <base64>}, a name being {@code host} on port 22
 * and {@code [host]:port} otherwise. Trust on first use: a name seen for the first time is pinned
 * to the key it offers; a name already pinned must offer the same key, or the connection is
 * refused. Lines banger did not write (comments, markers, hashed names) are kept as they are and
 * never match.
 */
public final class KnownHosts {

  private static final Logger LOG = LoggerFactory.getLogger(KnownHosts.class);

  /** What {@link #verifyOrPin} found. */
  public enum Outcome {
    /** Every name was already pinned to this key. */
    MATCHED,
    /** At least one name was new and is now pinned to this key. */
    PINNED
  }

  private final Path file;
  private final Path lockFile;

  public KnownHosts(Path file) {
    this.file = file.toAbsolutePath().normalize();
    this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
  }

  public Path file() {
    return file;
  }

  /**
   * Checks {@code key} against the pins for {@code host} and each alias (all on {@code port}),
   * pinning the names not seen before.
   *
   * @throws HostKeyMismatchException when any of the names is pinned to another key; nothing is
   *     written then
   * @throws IllegalArgumentException when a name is not an IPv4 address or DNS name
   */
  public Outcome verifyOrPin(String host, int port, Collection<String> aliases, PublicKey key)
      throws IOException, HostKeyMismatchException {
    HostNames.checkPort(port);
    Set<String> names = new LinkedHashSet<>();
    names.add(HostNames.entryName(HostNames.check(host), port));
    for (String a : aliases) {
      names.add(HostNames.entryName(HostNames.check(a), port));
    }
    String offered = PublicKeyEntry.toString(key);
    Mismatch[] mismatch = new Mismatch[1];
    Outcome outcome =
        LockedFiles.withLock(
            lockFile,
            () -> {
              List<String> lines = readLines();
              Set<String> covered = new LinkedHashSet<>();
              for (String line : lines) {
                Entry e = Entry.parse(line);
                if (e == null || java.util.Collections.disjoint(e.names(), names)) {
                  continue;
                }
                if (!e.key().equals(offered)) {
                  mismatch[0] = new Mismatch(e.key());
                  return null;
                }
                for (String n : e.names()) {
                  if (names.contains(n)) {
                    covered.add(n);
                  }
                }
              }
              Set<String> missing = new LinkedHashSet<>(names);
              missing.removeAll(covered);
              if (missing.isEmpty()) {
                return Outcome.MATCHED;
              }
              lines.add(String.join(",", missing) + " " + offered);
              write(lines);
              LOG.info(
                  "pinned host key of {} ({}) in {}",
                  String.join(",", missing),
                  fingerprint(offered),
                  file);
              return Outcome.PINNED;
            });
    if (mismatch[0] != null) {
      throw new HostKeyMismatchException(
          host + (aliases.isEmpty() ? "" : " (" + String.join(", ", aliases) + ")"),
          fingerprint(mismatch[0].pinned()),
          fingerprint(offered),
          file);
    }
    return outcome;
  }

  /** Removes every line naming {@code hostOrAlias} on any port (a VM is deleted). Idempotent. */
  public int remove(String hostOrAlias) throws IOException {
    return remove(List.of(hostOrAlias));
  }

  /**
   * Removes every line naming any of {@code hostsOrAliases}, on any port, whole (its other names
   * are the same VM's). Idempotent: the file is not rewritten when nothing matched.
   *
   * @return how many lines went
   */
  public int remove(Collection<String> hostsOrAliases) throws IOException {
    Set<String> gone = new LinkedHashSet<>();
    for (String h : hostsOrAliases) {
      gone.add(HostNames.check(h));
    }
    return LockedFiles.withLock(
        lockFile,
        () -> {
          List<String> lines = readLines();
          List<String> kept = new ArrayList<>();
          for (String line : lines) {
            Entry e = Entry.parse(line);
            if (e != null && e.names().stream().map(HostNames::hostOf).anyMatch(gone::contains)) {
              continue;
            }
            kept.add(line);
          }
          int removed = lines.size() - kept.size();
          if (removed > 0) {
            write(kept);
            LOG.info("removed {} host key pin(s) for {} from {}", removed, gone, file);
          }
          return removed;
        });
  }

  /**
   * OpenSSH's {@code SHA256:…} fingerprint of a key written as {@code <type> <base64>}, computed
   * over the key blob so a pinned line and an offered key print the same way.
   */
  static String fingerprint(String typeAndBase64) {
    String[] f = typeAndBase64.trim().split("\\s+");
    try {
      byte[] blob = Base64.getDecoder().decode(f[f.length > 1 ? 1 : 0]);
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(sha);
    } catch (IllegalArgumentException e) {
      return "(unreadable key)";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  private List<String> readLines() throws IOException {
    try {
      return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return new ArrayList<>();
    }
  }

  private void write(List<String> lines) throws IOException {
    StringBuilder b = new StringBuilder();
    for (String l : lines) {
      b.append(l).append('\n');
    }
    Files.createDirectories(file.getParent());
    // 0644: the CLI runs ssh as the user, who must be able to read the pins (they are public).
    LockedFiles.replace(file, b.toString().getBytes(StandardCharsets.UTF_8), "rw-r--r--");
  }

  private record Mismatch(String pinned) {}

  /** One pin line: its names (lower-cased) and its key as {@code <type> <base64>}. */
  private record Entry(List<String> names, String key) {
    static Entry parse(String line) {
      String t = line.strip();
      if (t.isEmpty() || t.startsWith("#") || t.startsWith("@") || t.startsWith("|")) {
        return null;
      }
      String[] f = t.split("\\s+");
      if (f.length < 3) {
        return null;
      }
      List<String> names = new ArrayList<>();
      for (String n : f[0].split(",")) {
        names.add(n.toLowerCase(java.util.Locale.ROOT));
      }
      return new Entry(names, f[1] + " " + f[2]);
    }
  }
}
