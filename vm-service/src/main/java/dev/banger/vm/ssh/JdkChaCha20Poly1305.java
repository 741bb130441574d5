package dev.banger.vm.ssh;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.mac.Mac;
import org.apache.sshd.common.mac.Poly1305Mac;

/**
 * OpenSSH's {@code chacha20-poly1305@openssh.com} (PROTOCOL.chacha20poly1305) with the keystream
 * from the JDK's {@code ChaCha20} cipher instead of MINA's pure-Java engine. Why: a workspace
 * prepare pushes hundreds of MB through this cipher while QEMU keeps both cores busy, and the JDK's
 * ChaCha20 is a vectorised intrinsic (AVX2/AVX-512): 200 MB costs ~60 ms of CPU instead of ~500 ms
 * (docs/benchmarks.md, "Workspaces"). The Poly1305 tag stays MINA's: the JDK has no public raw
 * Poly1305.
 *
 * <p>Same contract as MINA's {@code ChaCha20Cipher}, call for call: {@link #updateAAD} en- or
 * decrypts the 4-byte packet length with the second key, {@link #update} the payload with the first
 * and writes (encrypt) or checks (decrypt) the 16-byte tag after it, then moves to the next packet.
 * The 8-byte IV MINA derives is the initial 64-bit nonce, counted up once per packet.
 *
 * <p>Nonce layout: original ChaCha20 has a 64-bit block counter (state words 12-13) and a 64-bit
 * nonce (words 14-15); the JDK's is RFC 8439's 32-bit counter (word 12) and 96-bit nonce (words
 * 13-15). A 96-bit nonce of four zero bytes then the 8 packet-nonce bytes gives the same state as
 * long as the block counter stays below 2^32, which a packet (at most 256 KiB, 4,096 blocks) never
 * reaches.
 */
public final class JdkChaCha20Poly1305 implements Cipher {

  public static final String NAME = "chacha20-poly1305@openssh.com";

  /** The factory to list among MINA's cipher factories, under OpenSSH's name. */
  public static final NamedFactory<Cipher> FACTORY =
      new NamedFactory<>() {
        @Override
        public String getName() {
          return NAME;
        }

        @Override
        public Cipher create() {
          return new JdkChaCha20Poly1305();
        }
      };

  private static final int KEY_BYTES = 32;
  private static final int TAG_BYTES = 16;

  private final javax.crypto.Cipher body;
  private final javax.crypto.Cipher header;
  private final Poly1305Mac mac = new Poly1305Mac();

  /** Four zero bytes (the block counter's high word), then the packet nonce, big-endian. */
  private final byte[] nonce = new byte[12];

  private final byte[] block0 = new byte[64];
  private final byte[] tag = new byte[TAG_BYTES];
  private SecretKeySpec bodyKey;
  private SecretKeySpec headerKey;
  private int jceMode;
  private Mode mode;
  private long packet;
  private long firstPacket;

  public JdkChaCha20Poly1305() {
    try {
      body = javax.crypto.Cipher.getInstance("ChaCha20");
      header = javax.crypto.Cipher.getInstance("ChaCha20");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no ChaCha20 cipher", e);
    }
  }

  @Override
  public void init(Mode mode, byte[] key, byte[] iv) throws Exception {
    if (key.length < 2 * KEY_BYTES || iv.length < 8) {
      throw new IllegalArgumentException("chacha20-poly1305 needs a 64-byte key and an 8-byte IV");
    }
    this.mode = mode;
    this.jceMode =
        mode == Mode.Encrypt ? javax.crypto.Cipher.ENCRYPT_MODE : javax.crypto.Cipher.DECRYPT_MODE;
    bodyKey = new SecretKeySpec(key, 0, KEY_BYTES, "ChaCha20");
    headerKey = new SecretKeySpec(key, KEY_BYTES, KEY_BYTES, "ChaCha20");
    packet = 0;
    for (int i = 0; i < 8; i++) {
      packet = (packet << 8) | (iv[i] & 0xff);
    }
    firstPacket = packet;
    startPacket();
  }

  /** Keys both streams for the current packet nonce; block 0 of the body stream is the MAC key. */
  private void startPacket() throws Exception {
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (packet >>> (56 - 8 * i));
    }
    ChaCha20ParameterSpec atBlock0 = new ChaCha20ParameterSpec(nonce, 0);
    body.init(jceMode, bodyKey, atBlock0);
    Arrays.fill(block0, (byte) 0);
    // Leaves the body stream at block 1, where the payload starts.
    body.update(block0, 0, block0.length, block0, 0);
    mac.init(Arrays.copyOf(block0, KEY_BYTES));
    header.init(jceMode, headerKey, atBlock0);
  }

  private void checkInitialised() {
    if (mode == null) {
      throw new IllegalStateException("Cipher not initialized");
    }
  }

  @Override
  public void updateAAD(byte[] data, int offset, int length) throws Exception {
    checkInitialised();
    if (length != 4) {
      throw new IllegalArgumentException("AAD only supported for encrypted packet length");
    }
    if (mode == Mode.Decrypt) {
      mac.update(data, offset, length);
    }
    header.update(data, offset, length, data, offset);
    if (mode == Mode.Encrypt) {
      mac.update(data, offset, length);
    }
  }

  @Override
  public void update(byte[] input, int inputOffset, int inputLen) throws Exception {
    checkInitialised();
    if (mode == Mode.Decrypt) {
      mac.update(input, inputOffset, inputLen);
      mac.doFinal(tag, 0);
      // MINA's constant-time compare, in place: no copy of the received tag per packet.
      if (!Mac.equals(input, inputOffset + inputLen, tag, 0, TAG_BYTES)) {
        throw new AEADBadTagException("Tag mismatch");
      }
    }
    body.update(input, inputOffset, inputLen, input, inputOffset);
    if (mode == Mode.Encrypt) {
      mac.update(input, inputOffset, inputLen);
      mac.doFinal(input, inputOffset + inputLen);
    }
    packet++;
    if (packet == firstPacket) {
      throw new IllegalStateException("Packet sequence number cannot be reused with the same key");
    }
    startPacket();
  }

  @Override
  public String getAlgorithm() {
    return "ChaCha20";
  }

  @Override
  public String getTransformation() {
    return "ChaCha20";
  }

  @Override
  public int getIVSize() {
    return 8;
  }

  @Override
  public int getAuthenticationTagSize() {
    return TAG_BYTES;
  }

  @Override
  public int getCipherBlockSize() {
    return 8;
  }

  @Override
  public int getKdfSize() {
    return 64;
  }

  @Override
  public int getKeySize() {
    // both keys, as MINA 2.20's ChaCha20Cipher counts them
    return 512;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + NAME + "]";
  }
}
