package dev.banger.cli;

import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;
import java.nio.file.Path;

/** Socket paths the CLI talks to; the same layout bangerd serves. */
record Sockets(StateLayout layout) {

  static Sockets under(Path stateDir) {
    return new Sockets(StateLayout.under(stateDir));
  }

  static Sockets production() {
    return new Sockets(StateLayout.production());
  }

  Path of(ServiceName s) {
    return layout.socket(s);
  }
}
