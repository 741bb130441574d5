package dev.banger.image.source;

import dev.banger.image.oci.RegistryClient;
import java.util.List;
import java.util.function.Supplier;

/**
 * A source fetched over the registry client (an OCI image, a catalog bundle): the client is opened
 * when the fetch starts, with the pull's credentials, and closed with the source.
 */
abstract class RegistryBackedSource implements RootfsSource {

  private final Supplier<RegistryClient> clients;
  private RegistryClient client;

  RegistryBackedSource(Supplier<RegistryClient> clients) {
    this.clients = clients;
  }

  /** Opens this pull's client; once per fetch. */
  final RegistryClient openClient() {
    client = clients.get();
    return client;
  }

  @Override
  public List<String> stages() {
    return List.of("resolve", "fetch");
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
  }
}
