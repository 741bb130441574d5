package dev.banger.net;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A VM's MAC: {@code 02:} followed by five bytes of SHA-256 of its id (and an attempt number). 0x02
 * sets the locally-administered bit and clears the multicast bit, so it never clashes with a
 * vendor's address and is always unicast. The same VM gets the same MAC on every lease, which keeps
 * the guest's view (and any DHCP-less config keyed on it) stable; attempt 1, 2… are used only when
 * another lease already holds the attempt-0 value (a 40-bit collision).
 */
final class MacAddresses {

  private MacAddresses() {}

  static String forVm(String vmId, int attempt) {
    byte[] digest;
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(vmId.getBytes(StandardCharsets.US_ASCII));
      if (attempt > 0) {
        sha.update(("#" + attempt).getBytes(StandardCharsets.US_ASCII));
      }
      digest = sha.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
    StringBuilder b = new StringBuilder("02");
    HexFormat hex = HexFormat.of();
    for (int i = 0; i < 5; i++) {
      b.append(':').append(hex.toHexDigits(digest[i]));
    }
    return b.toString();
  }
}
