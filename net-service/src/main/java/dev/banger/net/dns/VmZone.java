package dev.banger.net.dns;

import dev.banger.kit.text.Printable;
import java.net.Inet4Address;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The A records of the {@code .vm} zone: one IPv4 address per VM name.
 *
 * <p>Why copy-on-write: the DNS loops read on every packet and must never block behind a writer,
 * while writes come a few times a minute (VM create, rename, delete). Each write swaps in a new
 * immutable {@link Version}, so a query sees either the zone before a change or after it, never
 * half of a {@link #replaceAll} or a rename with both or neither name present. The serial of the
 * SOA record moves with every version, so a client can tell the zone changed.
 *
 * <p>Names are those of VMs ({@code ^[a-z0-9][a-z0-9-]{0,62}$}, the rule of vm.proto), which are
 * also valid single DNS labels; anything else is refused before the zone changes.
 */
public final class VmZone {

  /** The VM name rule (vm.proto): one lower-case DNS label. */
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  /** One immutable state of the zone: its records and the SOA serial that names them. */
  record Version(Map<String, Inet4Address> records, long serial) {

    /** The address of {@code name} (already lower-cased) in this version, if it has one. */
    Optional<Inet4Address> lookup(String name) {
      return Optional.ofNullable(records.get(name));
    }
  }

  private volatile Version current = new Version(Map.of(), 1);

  /** Adds the record of {@code vmName}, or moves it to {@code address} if it has one. */
  public synchronized void put(String vmName, Inet4Address address) {
    checkName("VM name", vmName);
    Objects.requireNonNull(address, "address");
    Map<String, Inet4Address> next = new HashMap<>(current.records);
    if (address.equals(next.put(vmName, address))) {
      return; // unchanged: keep the serial, so idempotent calls don't look like changes
    }
    publish(next);
  }

  /** Removes the record of {@code vmName}; true if it had one (removing twice is fine). */
  public synchronized boolean remove(String vmName) {
    checkName("VM name", vmName);
    if (!current.records.containsKey(vmName)) {
      return false;
    }
    Map<String, Inet4Address> next = new HashMap<>(current.records);
    next.remove(vmName);
    publish(next);
    return true;
  }

  /**
   * Moves the record of {@code oldName} to {@code newName} in one step: no query sees both names,
   * or neither.
   *
   * @throws IllegalArgumentException if a name is invalid, {@code oldName} has no record, or {@code
   *     newName} already has one (the zone is then unchanged)
   */
  public synchronized void rename(String oldName, String newName) {
    checkName("old VM name", oldName);
    checkName("new VM name", newName);
    Inet4Address address = current.records.get(oldName);
    if (address == null) {
      throw new IllegalArgumentException("cannot rename " + oldName + ".vm: it has no DNS record");
    }
    if (oldName.equals(newName)) {
      return;
    }
    if (current.records.containsKey(newName)) {
      throw new IllegalArgumentException(
          "cannot rename "
              + oldName
              + ".vm to "
              + newName
              + ".vm: "
              + newName
              + ".vm already has a DNS record");
    }
    Map<String, Inet4Address> next = new HashMap<>(current.records);
    next.remove(oldName);
    next.put(newName, address);
    publish(next);
  }

  /**
   * Replaces every record at once (start-up, from the lease table). Every entry is checked first:
   * one bad name or null address leaves the zone as it was.
   */
  public synchronized void replaceAll(Map<String, Inet4Address> records) {
    Objects.requireNonNull(records, "records");
    for (Map.Entry<String, Inet4Address> e : records.entrySet()) {
      checkName("VM name", e.getKey());
      if (e.getValue() == null) {
        throw new IllegalArgumentException("VM " + e.getKey() + " has no address (null)");
      }
    }
    if (!records.equals(current.records)) {
      publish(new HashMap<>(records));
    }
  }

  /** The records as they are now: an immutable copy, later changes don't show in it. */
  public Map<String, Inet4Address> snapshot() {
    return current.records;
  }

  /** The current version, read once per query so the answer and its SOA serial agree. */
  Version version() {
    return current;
  }

  private void publish(Map<String, Inet4Address> next) {
    // RFC 1982 serials are 32-bit; wrapping past 2^32 - 1 back to 1 is what they allow.
    long serial = current.serial >= 0xFFFF_FFFFL ? 1 : current.serial + 1;
    current = new Version(Map.copyOf(next), serial);
  }

  /** Throws with a sentence naming the bad value, escaped, if {@code name} breaks the rule. */
  static void checkName(String what, String name) {
    if (name == null) {
      throw new IllegalArgumentException(what + " is missing (null)");
    }
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          what
              + " "
              + Printable.quoted(name, 80)
              + " is not valid: it must be 1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit");
    }
  }
}
