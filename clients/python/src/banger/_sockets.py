"""Where banger's sockets are: the same rule as the `banger` CLI."""

import os

PRODUCTION_SOCKET_DIR = "/run/banger"
SERVICES = ("vm", "image", "net", "disk")


def resolve_socket_dir(state_dir=None, socket_dir=None):
    """An explicit socket_dir, else STATE_DIR/run (argument, then $BANGER_STATE_DIR), else the
    system sockets a `banger system install` serves on."""
    if socket_dir:
        return os.path.abspath(socket_dir)
    if state_dir:
        return os.path.join(os.path.abspath(state_dir), "run")
    env = os.environ.get("BANGER_STATE_DIR", "").strip()
    if env:
        return os.path.join(os.path.abspath(env), "run")
    return PRODUCTION_SOCKET_DIR


def target(directory, service):
    if service not in SERVICES:
        raise ValueError("unknown service %r: one of %s" % (service, ", ".join(SERVICES)))
    return "unix://" + os.path.join(directory, service + ".sock")
