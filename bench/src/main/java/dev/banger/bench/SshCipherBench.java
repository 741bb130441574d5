package dev.banger.bench;

import dev.banger.vm.ssh.JdkChaCha20Poly1305;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.sshd.common.cipher.ChaCha20Cipher;
import org.apache.sshd.common.cipher.Cipher;
import org.apache.sshd.common.mac.Poly1305Mac;

/**
 * vm-service's SSH cipher, measured alone in this JVM: the CPU time to seal 200 MB in packets of 32
 * KiB (OpenSSH's packet size for a session channel), as MINA's session calls a cipher, with {@code
 * chacha20-poly1305@openssh.com} as MINA has it (baseline) and as banger's JdkChaCha20Poly1305 (the
 * JDK's ChaCha20 keystream, MINA's Poly1305); and, to show where the rest goes, MINA's Poly1305Mac
 * alone over the same bytes. Every variant is warmed up first (C2), and rounds alternate. Usage:
 * SshCipherBench [rounds]
 */
public final class SshCipherBench {

  static final int PACKET = 32 * 1024;
  static final long TOTAL = 200L * 1000 * 1000;
  static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  interface Work {
    void run(byte[] packet, long packets) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    byte[] key = new byte[64];
    byte[] iv = new byte[8];
    new Random(1).nextBytes(key);
    byte[] packet = new byte[4 + PACKET + 16];
    new Random(2).nextBytes(packet);
    long packets = TOTAL / PACKET;
    Cipher mina = new ChaCha20Cipher();
    mina.init(Cipher.Mode.Encrypt, key, iv);
    Cipher ours = new JdkChaCha20Poly1305();
    ours.init(Cipher.Mode.Encrypt, key, iv);
    Poly1305Mac minaMac = new Poly1305Mac();
    byte[] tag = new byte[16];
    Work[] work = {
      (p, n) -> seal(mina, p, n),
      (p, n) -> seal(ours, p, n),
      (p, n) -> {
        for (long i = 0; i < n; i++) {
          minaMac.init(java.util.Arrays.copyOf(key, 32));
          minaMac.update(p, 0, p.length - 16);
          minaMac.doFinal(tag, 0);
        }
      },
    };
    String[] names = {
      "chacha20-poly1305, MINA's ChaCha20Cipher (baseline)",
      "chacha20-poly1305, banger's JdkChaCha20Poly1305",
      "of which Poly1305 (MINA's Poly1305Mac, alone)"
    };
    for (Work w : work) {
      w.run(packet, packets / 4); // warm-up: C2 compiles the loops before anything is timed
    }
    List<List<Double>> ms = new ArrayList<>();
    for (int i = 0; i < work.length; i++) {
      ms.add(new ArrayList<>());
    }
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < work.length; k++) {
        int i = (r + k) % work.length;
        long c0 = THREADS.getCurrentThreadCpuTime();
        work[i].run(packet, packets);
        ms.get(i).add((THREADS.getCurrentThreadCpuTime() - c0) / 1e6);
      }
    }
    double[] med = new double[work.length];
    for (int i = 0; i < work.length; i++) {
      med[i] = VmBench.median(ms.get(i));
      System.out.printf(
          "%-52s CPU ms per 200 MB: %s, median %.0f ms, %.0f MB/s%n",
          names[i], round(ms.get(i)), med[i], TOTAL / 1e3 / med[i]);
    }
    System.out.printf(
        "ratio cipher banger/MINA: %.2f (Poly1305 is %.0f%% of banger's)%n",
        med[1] / med[0], 100 * med[2] / med[1]);
  }

  /**
   * As MINA's session seals a packet: the 4-byte length as AAD, then the payload; the tag goes
   * after it.
   */
  static void seal(Cipher c, byte[] p, long packets) throws Exception {
    for (long i = 0; i < packets; i++) {
      c.updateAAD(p, 0, 4);
      c.update(p, 4, p.length - 20);
    }
  }

  static List<Long> round(List<Double> v) {
    return v.stream().map(Math::round).toList();
  }
}
