package dev.banger.kit.config;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One {@code [[file_sync]]} table of config.toml: a host file or directory that vm-service copies
 * onto a VM's work disk (the guest's {@code /root}) at every start (docs/workspaces.md).
 *
 * @param host absolute, or {@code ~/…} for vm-service's user's home (the owner's)
 * @param guest below {@code /root/}, plain components
 * @param mode octal permission bits of the files, e.g. "0600" (the default); directories get 0700
 */
public record FileSyncEntry(String host, String guest, String mode) {

  public static final int DEFAULT_MODE = 0600;
  private static final Pattern COMPONENT = Pattern.compile("[A-Za-z0-9._@+-]{1,255}");
  private static final Pattern MODE = Pattern.compile("0?[0-7]{3}");

  public int modeOrDefault() {
    return mode == null ? DEFAULT_MODE : Integer.parseInt(mode, 8);
  }

  /** The guest path relative to the work disk's root: /root/.gitconfig → /.gitconfig. */
  public String workDiskPath() {
    return guest.substring("/root".length());
  }

  static void check(List<FileSyncEntry> entries, String origin) throws ConfigException {
    if (entries == null) {
      return;
    }
    for (int i = 0; i < entries.size(); i++) {
      FileSyncEntry e = entries.get(i);
      String key = origin + ": file_sync[" + i + "]";
      if (e == null || e.host() == null || e.host().isBlank()) {
        throw new ConfigException(key + ".host is required");
      }
      if (!(e.host().startsWith("/") || e.host().startsWith("~/")) || e.host().indexOf('\0') >= 0) {
        throw new ConfigException(
            key + ".host \"" + e.host() + "\" must be absolute or start with ~/");
      }
      if (e.guest() == null || !e.guest().startsWith("/root/") || e.guest().length() > 4096) {
        throw new ConfigException(
            key + ".guest \"" + e.guest() + "\" must be below /root/ (the work disk)");
      }
      for (String c : e.guest().substring("/root/".length()).split("/", -1)) {
        if (c.equals(".") || c.equals("..") || !COMPONENT.matcher(c).matches()) {
          throw new ConfigException(
              key
                  + ".guest \""
                  + e.guest()
                  + "\" must be below /root/, made of plain names"
                  + " (letters, digits, '._@+-'; no '.' or '..', no empty parts)");
        }
      }
      if (e.mode() != null && (!MODE.matcher(e.mode()).matches())) {
        throw new ConfigException(
            key + ".mode \"" + e.mode() + "\" must be octal permission bits like \"0600\"");
      }
    }
  }
}
