package dev.banger.vm.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import javax.crypto.AEADBadTagException;
import org.apache.sshd.common.cipher.ChaCha20Cipher;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.cipher.Cipher.Mode;
import org.junit.jupiter.api.Test;

/**
 * The JDK-keystream cipher must be byte-for-byte MINA's ChaCha20Cipher (itself interoperating with
 * OpenSSH): same packets, same tags, packet after packet, each one decrypting the other's. That a
 * guest's OpenSSH sshd accepts it is shown by every IT that reaches a guest: it is the first cipher
 * banger's client offers.
 */
class JdkChaCha20Poly1305Test {

  private static final int[] SIZES = {0, 4, 12, 60, 64, 65, 127, 1000, 32_768, 262_144 - 4, 3};

  private final Random rnd = new Random(7);

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    rnd.nextBytes(b);
    return b;
  }

  /** MINA's IV: the 32-bit packet sequence number, widened to 64 bits. */
  private byte[] sequenceNumber() {
    byte[] iv = new byte[8];
    System.arraycopy(bytes(4), 0, iv, 4, 4);
    return iv;
  }

  /** A packet as MINA lays it out: 4-byte length, payload, 16 bytes for the tag. */
  private byte[] packet(int payload) {
    byte[] p = new byte[4 + payload + 16];
    byte[] body = bytes(4 + payload);
    System.arraycopy(body, 0, p, 0, body.length);
    return p;
  }

  private static Cipher init(Cipher c, Mode mode, byte[] key, byte[] iv) throws Exception {
    c.init(mode, key, iv);
    return c;
  }

  /** As MINA's session calls a cipher, sealing or opening: the length, then the payload. */
  private static void crypt(Cipher c, byte[] p) throws Exception {
    c.updateAAD(p, 0, 4);
    c.update(p, 4, p.length - 20);
  }

  @Test
  void encryptsExactlyAsMinasChaCha20CipherPacketAfterPacket() throws Exception {
    byte[] key = bytes(64);
    byte[] iv = {0, 0, 0, 0, 0, 0, 0, 3};
    Cipher ours = init(new JdkChaCha20Poly1305(), Mode.Encrypt, key, iv);
    Cipher mina = init(new ChaCha20Cipher(), Mode.Encrypt, key, iv);
    for (int size : SIZES) {
      byte[] a = packet(size);
      byte[] b = a.clone();
      byte[] plain = a.clone();
      crypt(ours, a);
      crypt(mina, b);
      assertArrayEquals(b, a, "packet of " + size + " bytes");
      assertFalse(Arrays.equals(plain, 0, 4, a, 0, 4), "the length was not encrypted");
    }
  }

  @Test
  void eachDecryptsTheOthersPackets() throws Exception {
    byte[] key = bytes(64);
    byte[] iv = sequenceNumber();
    Cipher oursOut = init(new JdkChaCha20Poly1305(), Mode.Encrypt, key, iv);
    Cipher minaIn = init(new ChaCha20Cipher(), Mode.Decrypt, key, iv);
    Cipher minaOut = init(new ChaCha20Cipher(), Mode.Encrypt, key, iv);
    Cipher oursIn = init(new JdkChaCha20Poly1305(), Mode.Decrypt, key, iv);
    for (int size : SIZES) {
      byte[] plain = packet(size);
      byte[] a = plain.clone();
      crypt(oursOut, a);
      crypt(minaIn, a);
      assertArrayEquals(
          Arrays.copyOf(plain, 4 + size), Arrays.copyOf(a, 4 + size), "MINA opens ours, " + size);
      byte[] b = plain.clone();
      crypt(minaOut, b);
      crypt(oursIn, b);
      assertArrayEquals(
          Arrays.copyOf(plain, 4 + size), Arrays.copyOf(b, 4 + size), "ours opens MINA's, " + size);
    }
  }

  @Test
  void aChangedByteOrTagIsRefused() throws Exception {
    byte[] key = bytes(64);
    byte[] iv = sequenceNumber();
    for (int flip : new int[] {0, 3, 4, 500, 4 + 1000, 4 + 1000 + 15}) {
      Cipher out = init(new JdkChaCha20Poly1305(), Mode.Encrypt, key, iv);
      Cipher in = init(new JdkChaCha20Poly1305(), Mode.Decrypt, key, iv);
      byte[] p = packet(1000);
      crypt(out, p);
      p[flip] ^= 1;
      assertThrows(AEADBadTagException.class, () -> crypt(in, p), "byte " + flip + " changed");
    }
  }

  @Test
  void aPacketOutOfOrderIsRefused() throws Exception {
    byte[] key = bytes(64);
    byte[] iv = sequenceNumber();
    Cipher out = init(new JdkChaCha20Poly1305(), Mode.Encrypt, key, iv);
    Cipher in = init(new JdkChaCha20Poly1305(), Mode.Decrypt, key, iv);
    byte[] first = packet(100);
    byte[] second = packet(100);
    crypt(out, first);
    crypt(out, second);
    // the second packet under the first's nonce: its tag does not verify
    assertThrows(AEADBadTagException.class, () -> crypt(in, second));
  }

  @Test
  void describesItselfAsMinasDoes() {
    Cipher ours = JdkChaCha20Poly1305.FACTORY.create();
    Cipher mina = new ChaCha20Cipher();
    assertEquals("chacha20-poly1305@openssh.com", JdkChaCha20Poly1305.FACTORY.getName());
    assertEquals(mina.getIVSize(), ours.getIVSize());
    assertEquals(mina.getKdfSize(), ours.getKdfSize());
    assertEquals(mina.getAuthenticationTagSize(), ours.getAuthenticationTagSize());
    assertEquals(mina.getCipherBlockSize(), ours.getCipherBlockSize());
    assertEquals(mina.getKeySize(), ours.getKeySize());
  }
}
