package dev.banger.kit.config;

/** The config file is missing, unreadable or wrong; the message names the file and the key. */
public final class ConfigException extends Exception {
  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  public ConfigException(String message) {
    super(message);
  }
}
