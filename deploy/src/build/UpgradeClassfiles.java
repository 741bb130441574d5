import java.io.IOException;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Build step of the dist tree (run by deploy/pom.xml with the JDK that runs Maven, as a
 * single-file program): rewrites every class older than Java 6 (class-file version < 50) in the
 * jars it is given to version 52 with generated stack maps, the same bytecode otherwise.
 *
 * <p>Why: the JVM cannot put a pre-Java-6 class into a CDS archive or an AOT cache ("Old class
 * has been linked"), because such classes are verified by the old type-inferring verifier at
 * link time. picocli 4.7 ships as Java 5 class files, and it is the bulk of what {@code banger}
 * loads before it does anything, so without this step the CLI's AOT cache leaves out exactly the
 * classes it needs most (docs/cli.md, "Start-up"). Only the jars named are touched (the pom names
 * picocli's: the services' jars stay as Maven Central has them); a jar with no old class is left
 * as it is, its mode is kept, and a signed one is refused (a rewrite would break its signature).
 *
 * <p>Usage: {@code java UpgradeClassfiles.java JAR...}
 */
public final class UpgradeClassfiles {

  private static final int OLD = 50;

  public static void main(String[] args) throws IOException {
    if (args.length == 0) {
      System.err.println("usage: java UpgradeClassfiles.java JAR...");
      System.exit(2);
    }
    for (String a : args) {
      Path jar = Path.of(a);
      if (!Files.isRegularFile(jar)) {
        System.err.println("UpgradeClassfiles: no such jar " + jar);
        System.exit(1);
      }
      int n = upgrade(jar);
      if (n > 0) {
        System.out.println("upgraded " + n + " pre-Java-6 classes of " + jar.getFileName() + " to class-file version 52");
      }
    }
  }

  /** Rewrites {@code jar} in place when it holds old classes; returns how many it rewrote. */
  static int upgrade(Path jar) throws IOException {
    try (JarFile in = new JarFile(jar.toFile())) {
      List<ZipEntry> entries = Collections.list(in.entries()).stream().map(e -> (ZipEntry) e).toList();
      boolean old = false;
      for (ZipEntry e : entries) {
        if (isClass(e) && majorVersion(in.getInputStream(e).readNBytes(8)) < OLD) {
          old = true;
          break;
        }
      }
      if (!old) {
        return 0;
      }
      for (ZipEntry e : entries) {
        String n = e.getName().toUpperCase(java.util.Locale.ROOT);
        if (n.startsWith("META-INF/") && (n.endsWith(".SF") || n.endsWith(".RSA") || n.endsWith(".DSA") || n.endsWith(".EC"))) {
          throw new IOException(jar + " is signed; rewriting its classes would break the signature");
        }
      }
      // Stack maps need the class hierarchy: the jar's own classes, then the JDK's.
      try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
        ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
            ClassFile.ClassHierarchyResolverOption.of(
                ClassHierarchyResolver.ofResourceParsing(loader).orElse(ClassHierarchyResolver.defaultResolver())));
        ClassTransform version = (builder, element) -> {
          if (element instanceof ClassFileVersion) {
            builder.withVersion(ClassFile.JAVA_8_VERSION, 0);
          } else {
            builder.with(element);
          }
        };
        // Passing every method body through a code transform makes the writer emit the code
        // afresh, which is when stack maps are generated.
        ClassTransform upgrade = version.andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL));
        Path tmp = Files.createTempFile(jar.getParent(), jar.getFileName().toString(), ".tmp");
        int count = 0;
        try {
          try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream out = new ZipOutputStream(os)) {
            for (ZipEntry e : entries) {
              byte[] bytes = in.getInputStream(e).readAllBytes();
              if (isClass(e) && majorVersion(bytes) < OLD) {
                bytes = cf.transformClass(cf.parse(bytes), upgrade);
                count++;
              }
              ZipEntry copy = new ZipEntry(e.getName());
              copy.setTime(e.getTime());
              out.putNextEntry(copy);
              out.write(bytes);
              out.closeEntry();
            }
          }
          Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(jar));
          Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(tmp);
        }
        return count;
      }
    }
  }

  private static boolean isClass(ZipEntry e) {
    return e.getName().endsWith(".class") && !e.getName().startsWith("META-INF/versions/")
        && !e.getName().endsWith("module-info.class");
  }

  private static int majorVersion(byte[] head) {
    return head.length < 8 ? Integer.MAX_VALUE : ((head[6] & 0xff) << 8) | (head[7] & 0xff);
  }
}
