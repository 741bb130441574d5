package dev.banger.kit.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The config file as it is now, for the few settings a service takes without a restart (the image
 * catalog: docs/catalog.md). {@link #current} reads the file again on every call (it is small) and
 * parses it only when its text changed; a file that no longer parses, or is gone, leaves the last
 * good config in force, with a warning naming the problem, so an edit in progress never breaks a
 * running service.
 */
public final class LiveConfig {

  private static final Logger LOG = LoggerFactory.getLogger(LiveConfig.class);

  private final Path file;
  private String lastText;
  private BangerConfig last;

  /**
   * @param explicit the file bangerd was given, or null for the default path (read when present)
   * @param loaded what bangerd loaded from it at start
   */
  public LiveConfig(Path explicit, BangerConfig loaded) {
    this.file = explicit != null ? explicit : ConfigLoader.DEFAULT_PATH;
    this.last = loaded;
    this.lastText = read();
  }

  private LiveConfig(BangerConfig config) {
    this.file = null;
    this.last = config;
  }

  /** A config that is never read again (services started in-process, tests). */
  public static LiveConfig fixed(BangerConfig config) {
    return new LiveConfig(config);
  }

  /** The config as the file says now, or the last good one. */
  public synchronized BangerConfig current() {
    if (file == null) {
      return last;
    }
    String text = read();
    if (text == null || text.equals(lastText)) {
      return last;
    }
    try {
      BangerConfig parsed = ConfigLoader.parse(text, file.toString());
      last = parsed;
      lastText = text;
      LOG.info("config {} changed: read again", file);
    } catch (ConfigException e) {
      LOG.warn(
          "config {} changed but does not load ({}); the last good one stays",
          file,
          e.getMessage());
      lastText = text;
    }
    return last;
  }

  private String read() {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      LOG.warn("config {} cannot be read ({}); the last good one stays", file, e.getMessage());
      return null;
    }
  }
}
