package dev.banger.vm.ssh;

import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.password.PasswordIdentityProvider;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.config.keys.ClientIdentityLoader;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * Builds the one MINA client banger uses for guests. MINA's defaults suit an interactive tool and
 * would read the user's files and trust anything: {@code ~/.ssh/config} (through
 * DefaultConfigFileHostEntryResolver), identities named there, and an accept-all host key verifier.
 * Each default is replaced, so the daemon's behaviour depends only on banger's key and banger's
 * known_hosts, whoever runs it.
 */
final class SshClients {

  private static final ClientIdentityLoader NO_FILES =
      new ClientIdentityLoader() {
        @Override
        public boolean isValidLocation(NamedResource location) {
          return false;
        }

        @Override
        public Iterable<KeyPair> loadClientIdentities(
            SessionContext session, NamedResource location, FilePasswordProvider passwords) {
          return List.of();
        }
      };

  private SshClients() {}

  static SshClient forGuests(SshIdentity identity, KnownHosts knownHosts) {
    SshClient c =
        ClientBuilder.builder()
            .serverKeyVerifier(new PinningVerifier(knownHosts))
            // No ~/.ssh/config: no Host blocks, IdentityFile, ProxyJump or User from the user.
            .hostConfigEntryResolver(HostConfigEntryResolver.EMPTY)
            // Reached only for IdentityFile entries of a host config, which EMPTY never yields;
            // were
            // it reached anyway, it loads nothing rather than some file of the user's.
            .clientIdentityLoader(NO_FILES)
            .filePasswordProvider(FilePasswordProvider.EMPTY)
            // ssh-ed25519 only, for host keys as for our key: the pin is always the guest's ed25519
            // key, the one OpenSSH will also pick when the CLI connects with banger's known_hosts.
            .signatureFactories(List.<NamedFactory<Signature>>of(BuiltinSignatures.ed25519))
            // OpenSSH's own order, chacha20-poly1305 first: the guest decrypts a workspace's bytes
            // on an
            // emulated CPU under TCG, where chacha20-poly1305 costs it least (a 200 MB prepare:
            // 1.17x
            // OpenSSH by hand with it, 1.84x with aes128-gcm first; docs/benchmarks.md,
            // "Workspaces").
            .cipherFactories(
                List.<NamedFactory<org.apache.sshd.common.cipher.Cipher>>of(
                    // OpenSSH's chacha20-poly1305 on the JDK's intrinsic ChaCha20
                    // (JdkChaCha20Poly1305).
                    JdkChaCha20Poly1305.FACTORY,
                    org.apache.sshd.common.cipher.BuiltinCiphers.aes128gcm,
                    org.apache.sshd.common.cipher.BuiltinCiphers.aes256gcm,
                    org.apache.sshd.common.cipher.BuiltinCiphers.aes128ctr,
                    org.apache.sshd.common.cipher.BuiltinCiphers.aes256ctr))
            .build();
    c.setKeyIdentityProvider(KeyIdentityProvider.wrapKeyPairs(identity.keyPair()));
    c.setPasswordIdentityProvider(PasswordIdentityProvider.EMPTY_PASSWORDS_PROVIDER);
    c.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
    c.setUserInteraction(null);
    // No agent: MINA's client has no agent factory unless given one; keep it that way.
    c.setAgentFactory(null);
    // Abandoned connects end on their own instead of waiting for the kernel's timeout.
    CoreModuleProperties.IO_CONNECT_TIMEOUT.set(c, Duration.ofSeconds(10));
    // A long `vm run` command may print nothing for many minutes: no idle timeout; dead guests
    // are noticed by keepalives instead (about a minute without an answer).
    CoreModuleProperties.IDLE_TIMEOUT.set(c, Duration.ZERO);
    CoreModuleProperties.HEARTBEAT_INTERVAL.set(c, Duration.ofSeconds(15));
    CoreModuleProperties.HEARTBEAT_REPLY_WAIT.set(c, Duration.ofSeconds(10));
    CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(c, 4);
    return c;
  }
}
