package dev.banger.kit.auth;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One entry of an allow list, as written in config: {@code root}, {@code uid:1000}, {@code
 * user:alice}, {@code group:banger}, {@code self} (the uid the service runs as), {@code owner} (the
 * user banger works for, from config), {@code unit:NAME} (a process of the systemd unit NAME, such
 * as {@code unit:banger-vm@alice.service}: what tells vm-service from its owner's shell, which
 * share a uid) or {@code any} (every peer; for health probes only, by choice).
 */
public sealed interface Principal {

  /** POSIX portable user/group names; anything else in config is a typo or an attack. */
  Pattern NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,31}\\$?");

  record Uid(int uid) implements Principal {
    @Override
    public String toString() {
      return "uid:" + uid;
    }
  }

  record User(String name) implements Principal {
    @Override
    public String toString() {
      return "user:" + name;
    }
  }

  record Group(String name) implements Principal {
    @Override
    public String toString() {
      return "group:" + name;
    }
  }

  /** systemd's unit name characters, ending in .service or .scope. */
  Pattern UNIT = Pattern.compile("[A-Za-z0-9:_.@\\-]{1,240}\\.(service|scope)");

  record Unit(String name) implements Principal {
    @Override
    public String toString() {
      return "unit:" + name;
    }
  }

  record Self() implements Principal {
    @Override
    public String toString() {
      return "self";
    }
  }

  record Owner() implements Principal {
    @Override
    public String toString() {
      return "owner";
    }
  }

  record Any() implements Principal {
    @Override
    public String toString() {
      return "any";
    }
  }

  /** Parses one allow-list entry; throws with the offending text on anything unknown. */
  static Principal parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("empty principal");
    }
    String t = text.strip();
    String lower = t.toLowerCase(Locale.ROOT);
    switch (lower) {
      case "root":
        return new Uid(0);
      case "self":
        return new Self();
      case "any":
        return new Any();
      case "owner":
        return new Owner();
      default:
        break;
    }
    int colon = t.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "principal \""
              + text
              + "\" is not one of root, self, owner, any, uid:N, user:NAME, group:NAME,"
              + " unit:NAME");
    }
    String kind = t.substring(0, colon);
    String value = t.substring(colon + 1);
    return switch (kind) {
      case "uid" -> {
        if (!value.matches("[0-9]{1,10}")) {
          throw new IllegalArgumentException("principal \"" + text + "\": uid must be a number");
        }
        long uid = Long.parseLong(value);
        if (uid > 0xFFFF_FFFEL) {
          throw new IllegalArgumentException("principal \"" + text + "\": uid out of range");
        }
        yield new Uid((int) uid);
      }
      case "user" -> new User(checkName(text, value));
      case "group" -> new Group(checkName(text, value));
      case "unit" -> {
        if (!UNIT.matcher(value).matches()) {
          throw new IllegalArgumentException(
              "principal \""
                  + text
                  + "\": \""
                  + value
                  + "\" is not a systemd .service or .scope name");
        }
        yield new Unit(value);
      }
      default ->
          throw new IllegalArgumentException(
              "principal \""
                  + text
                  + "\": unknown kind \""
                  + kind
                  + "\" (use uid, user, group or unit)");
    };
  }

  private static String checkName(String text, String value) {
    if (!NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "principal \"" + text + "\": \"" + value + "\" is not a valid user or group name");
    }
    return value;
  }
}
