package dev.banger.vm.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Collection;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.loader.openssh.OpenSSHKeyPairResourceParser;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An owner's SSH key: {@code dir/id_ed25519} in OpenSSH's private key format (unencrypted, 0600, so
 * {@code ssh -i} takes it as it is) and {@code dir/id_ed25519.pub}. vm-service authenticates to
 * guests with it and the CLI hands the same file to the system ssh.
 *
 * <p>The key is made on first use. Every guest's {@code authorized_keys} names it, so a key file
 * that exists but cannot be read is an error naming the file, never a reason to make a new key:
 * that would silently lock banger out of every existing VM.
 */
public final class SshIdentity {

  private static final Logger LOG = LoggerFactory.getLogger(SshIdentity.class);

  static final String PRIVATE = "id_ed25519";
  static final String PUBLIC = "id_ed25519.pub";

  /** The comment on the public key line, so a guest's authorized_keys says whose key it is. */
  static final String COMMENT = "banger";

  private final Path dir;
  private final KeyPair keyPair;

  private SshIdentity(Path dir, KeyPair keyPair) {
    this.dir = dir;
    this.keyPair = keyPair;
  }

  /**
   * Loads the key in {@code dir}, or makes it when there is none. Concurrent first calls (threads
   * or processes) make exactly one key: creation happens under a lock and the file appears by an
   * atomic rename, whole.
   *
   * @throws IOException when the key file exists but is unreadable, corrupt or not ed25519 (the
   *     message names the file), or the directory cannot be made
   */
  public static SshIdentity loadOrCreate(Path dir) throws IOException {
    Path d = dir.toAbsolutePath().normalize();
    Files.createDirectories(d);
    // 0700: the directory holds a private key; OpenSSH refuses keys others can read anyway.
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    return LockedFiles.withLock(
        d.resolve("." + PRIVATE + ".lock"),
        () -> {
          Path priv = d.resolve(PRIVATE);
          KeyPair kp;
          if (Files.exists(priv, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            kp = read(priv);
          } else {
            kp = generate();
            LockedFiles.replace(priv, encodePrivate(kp), "rw-------");
            LOG.info("made SSH key {} ({})", priv, KeyUtils.getFingerPrint(kp.getPublic()));
          }
          SshIdentity id = new SshIdentity(d, kp);
          id.ensurePublicFile();
          return id;
        });
  }

  public KeyPair keyPair() {
    return keyPair;
  }

  public PublicKey publicKey() {
    return keyPair.getPublic();
  }

  public Path privateKeyFile() {
    return dir.resolve(PRIVATE);
  }

  public Path publicKeyFile() {
    return dir.resolve(PUBLIC);
  }

  /**
   * The line for a guest's {@code /root/.ssh/authorized_keys}: {@code ssh-ed25519 AAAA… banger}.
   */
  public String authorizedKeysLine() {
    return PublicKeyEntry.toString(keyPair.getPublic()) + " " + COMMENT;
  }

  /** OpenSSH's {@code SHA256:…} fingerprint of the public key. */
  public String fingerprint() {
    return KeyUtils.getFingerPrint(keyPair.getPublic());
  }

  private static KeyPair generate() throws IOException {
    try {
      return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot make an ed25519 key: " + e.getMessage(), e);
    }
  }

  private static byte[] encodePrivate(KeyPair kp) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      // No encryption context: the daemon must use the key unattended.
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(kp, COMMENT, null, out);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encode the SSH key: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  private static KeyPair read(Path priv) throws IOException {
    String refusal =
        "; banger will not replace it, because running VMs authorize that key"
            + " (restore it, or remove it to make a new key and re-create the VMs)";
    Collection<KeyPair> pairs;
    try {
      pairs =
          OpenSSHKeyPairResourceParser.INSTANCE.loadKeyPairs(
              null, priv, FilePasswordProvider.EMPTY);
    } catch (NoSuchFileException e) {
      throw new IOException("SSH key " + priv + " vanished while being read", e);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IOException("cannot read SSH key " + priv + ": " + reason(e) + refusal, e);
    }
    if (pairs == null || pairs.size() != 1) {
      throw new IOException(
          "cannot read SSH key " + priv + ": not one OpenSSH private key" + refusal);
    }
    KeyPair kp = pairs.iterator().next();
    if (!KeyPairProvider.SSH_ED25519.equals(KeyUtils.getKeyType(kp))) {
      throw new IOException(
          "SSH key " + priv + " is " + KeyUtils.getKeyType(kp) + ", not ssh-ed25519" + refusal);
    }
    return kp;
  }

  /** The .pub file is derived from the private key, so a missing or stale one is rewritten. */
  private void ensurePublicFile() throws IOException {
    byte[] want = (authorizedKeysLine() + "\n").getBytes(StandardCharsets.US_ASCII);
    Path pub = publicKeyFile();
    byte[] have = null;
    try {
      have = Files.readAllBytes(pub);
    } catch (NoSuchFileException e) {
      // made below
    }
    if (have == null || !java.util.Arrays.equals(have, want)) {
      if (have != null) {
        LOG.warn("{} did not match {}; rewriting it from the private key", pub, privateKeyFile());
      }
      LockedFiles.replace(pub, want, "rw-r--r--");
    }
  }

  private static String reason(Exception e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
