"""Errors of banger's services as Python exceptions carrying the ErrorInfo reason and metadata."""

import grpc

from banger._proto.google.rpc import error_details_pb2, status_pb2

_DETAILS_KEY = "grpc-status-details-bin"


class BangerError(Exception):
    """A failed call. `code` is the grpc.StatusCode, `reason` and `metadata` come from the
    google.rpc.ErrorInfo every banger service attaches (domain "banger.dev"); `reason` is ""
    for failures that never reached a service (no socket, refused connection)."""

    def __init__(self, code, message, reason="", domain="", metadata=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.metadata = dict(metadata or {})

    @property
    def code_name(self):
        return self.code.name if isinstance(self.code, grpc.StatusCode) else str(self.code)

    def __str__(self):
        tail = " [%s]" % self.reason if self.reason else ""
        return "%s: %s%s" % (self.code_name, self.message, tail)


def from_rpc_error(error):
    """Maps a grpc.RpcError (which is also the call) to BangerError, decoding the details that
    grpc carries in the trailing metadata. Anything else passes through unchanged."""
    if not isinstance(error, grpc.RpcError) or not hasattr(error, "code"):
        return error
    code, message = error.code(), error.details() or ""
    reason, domain, metadata = "", "", {}
    for key, value in error.trailing_metadata() or ():
        if key != _DETAILS_KEY:
            continue
        status = status_pb2.Status.FromString(value)
        message = status.message or message
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                reason, domain, metadata = info.reason, info.domain, dict(info.metadata)
    return BangerError(code, message, reason, domain, metadata)


class translated:
    """`with translated():` turns grpc.RpcError raised inside into BangerError."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if isinstance(error, grpc.RpcError):
            raise from_rpc_error(error) from None
        return False
