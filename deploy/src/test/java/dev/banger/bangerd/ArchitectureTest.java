package dev.banger.bangerd;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * Layering rules over every banger module (this module depends on all of them). Only service-kit's
 * process package may start host processes (docs/architecture.md §1).
 */
class ArchitectureTest {

  static final ArchRule ONLY_THE_KIT_STARTS_PROCESSES =
      noClasses()
          .that()
          .resideOutsideOfPackage("dev.banger.kit.process..")
          .should()
          .accessClassesThat()
          .areAssignableTo(ProcessBuilder.class)
          .orShould()
          .callMethodWhere(
              target(owner(JavaClass.Predicates.assignableTo(Runtime.class)))
                  .and(target(name("exec"))))
          .because(
              "only service-kit's CommandRunner may start host processes: argument vectors, no shell, timeouts");

  static final ArchRule SERVICES_DO_NOT_REACH_INTO_EACH_OTHER =
      noClasses()
          .that()
          .resideInAnyPackage("dev.banger.image..", "dev.banger.net..", "dev.banger.disk..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.banger.vm..", "dev.banger.cli..", "dev.banger.bangerd..")
          .because("services talk through their gRPC APIs, never through each other's classes");

  static final ArchRule THE_EXT4_LIBRARY_KNOWS_NO_SERVICE =
      noClasses()
          .that()
          .resideInAPackage("dev.banger.ext4..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.banger.disk..",
              "dev.banger.image..",
              "dev.banger.vm..",
              "dev.banger.net..",
              "dev.banger.cli..",
              "dev.banger.bangerd..",
              "dev.banger.api..")
          .because("the ext4 toolkit is one library shared by disk-service and image-service");

  static final ArchRule VM_USE_CASES_KNOW_NO_TRANSPORT =
      noClasses()
          .that()
          .resideInAnyPackage("dev.banger.vm.app..", "dev.banger.vm.ports..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.grpc..",
              "dev.banger.api..",
              "com.google.protobuf..",
              "dev.banger.kit.grpc..",
              "dev.banger.vm.peers..",
              "dev.banger.vm")
          .because(
              "vm-service's use cases work on plain records through its ports (docs/architecture.md): gRPC,"
                  + " generated protos and the adapters stay in api (dev.banger.vm) and peers");

  static final ArchRule IMAGE_USE_CASES_KNOW_NO_TRANSPORT =
      noClasses()
          .that()
          .resideInAnyPackage("dev.banger.image.app..", "dev.banger.image.ports..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.grpc..",
              "dev.banger.api..",
              "com.google.protobuf..",
              "dev.banger.kit.grpc..",
              "dev.banger.image.api..",
              "dev.banger.image.peers..")
          .because(
              "image-service's use cases work on plain records through its ports"
                  + " (docs/image-service.md, \"Layers\"): gRPC and protos stay in api and peers");

  /**
   * banger's production classes: neither test classes nor another module's test-jar ({@code
   * image-service-*-tests.jar}, CliImagePullIT's registry fixture), whose tests may start processes
   * their own way.
   */
  static JavaClasses production() {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(location -> !location.contains("-tests.jar"))
        .importPackages("dev.banger");
  }

  @Test
  void theExt4LibraryKnowsNoService() {
    JavaClasses production = production();
    THE_EXT4_LIBRARY_KNOWS_NO_SERVICE.check(production);
  }

  @Test
  void onlyTheKitStartsProcesses() {
    JavaClasses production = production();
    ONLY_THE_KIT_STARTS_PROCESSES.check(production);
  }

  @Test
  void servicesDoNotReachIntoEachOther() {
    JavaClasses production = production();
    SERVICES_DO_NOT_REACH_INTO_EACH_OTHER.check(production);
  }

  @Test
  void vmUseCasesKnowNoTransport() {
    VM_USE_CASES_KNOW_NO_TRANSPORT.check(production());
  }

  @Test
  void imageUseCasesKnowNoTransport() {
    IMAGE_USE_CASES_KNOW_NO_TRANSPORT.check(production());
  }

  @Test
  void theProcessRuleCatchesAViolation() {
    JavaClasses offender = new ClassFileImporter().importClasses(Offender.class);
    assertThrows(AssertionError.class, () -> ONLY_THE_KIT_STARTS_PROCESSES.check(offender));
  }

  /** A class that breaks the rule, to prove the rule can fail. Never run. */
  static final class Offender {
    @SuppressWarnings("unused")
    void shellOut() throws java.io.IOException {
      Runtime.getRuntime().exec(new String[] {"true"});
      new ProcessBuilder("true").start();
    }
  }
}
