'use strict';
// One error type for every failed call. banger's services put a google.rpc.ErrorInfo (domain
// "banger.dev", a machine reason such as VM_NOT_FOUND, and metadata) into the status details;
// grpc-js hands those over only as the raw trailer grpc-status-details-bin, so we decode it here
// and a caller can branch on err.reason instead of parsing sentences.

const grpc = require('@grpc/grpc-js');
const { statusTypes } = require('./proto');

const DETAILS_KEY = 'grpc-status-details-bin';

// Numeric code -> 'NOT_FOUND' etc, from grpc-js's own table so it cannot drift.
const CODE_NAMES = Object.fromEntries(
  Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k]),
);

class BangerError extends Error {
  /**
   * @param {object} f code (number), message, reason, domain, metadata, details, socket, cause
   */
  constructor(f) {
    super(f.message, f.cause === undefined ? undefined : { cause: f.cause });
    this.name = 'BangerError';
    this.code = f.code;
    this.codeName = CODE_NAMES[f.code] || String(f.code);
    this.reason = f.reason || '';
    this.domain = f.domain || '';
    this.metadata = f.metadata || {};
    // Every status detail, decoded when its type is known (google.rpc.*), else {typeUrl, value}.
    this.details = f.details || [];
    // The socket the call went to; '' for checks the client made before calling.
    this.socket = f.socket || '';
  }

  /** A grpc-js ServiceError (or anything thrown around a call) as a BangerError. */
  static from(err, socket) {
    if (err instanceof BangerError) return err;
    if (!err || typeof err.code !== 'number' || !err.metadata) {
      // Not a gRPC status (a bug, a TypeError in a callback): keep it as it is.
      return err;
    }
    const decoded = decodeDetails(err.metadata);
    const info = decoded.find((d) => d.typeUrl.endsWith('google.rpc.ErrorInfo'));
    return new BangerError({
      code: err.code,
      // grpc-js's err.message is "5 NOT_FOUND: text"; the status text alone is err.details.
      message: typeof err.details === 'string' && err.details ? err.details : err.message,
      reason: info ? info.reason : '',
      domain: info ? info.domain : '',
      metadata: info ? { ...info.metadata } : {},
      details: decoded,
      socket,
      cause: err,
    });
  }
}

/** A check the client makes itself (no call was answered): domain '' and our own reason. */
function clientError(codeName, reason, message, extra = {}) {
  return new BangerError({ code: grpc.status[codeName], reason, message, ...extra });
}

function decodeDetails(metadata) {
  const raw = typeof metadata.get === 'function' ? metadata.get(DETAILS_KEY) : [];
  if (!raw || raw.length === 0) return [];
  const buf = Buffer.isBuffer(raw[0]) ? raw[0] : Buffer.from(String(raw[0]), 'base64');
  const types = statusTypes();
  try {
    const status = types.Status.decode(buf);
    return (status.details || []).map((any) => decodeAny(types.root, any));
  } catch (e) {
    // A garbled trailer must not hide the status itself (nor throw inside grpc-js's callback).
    return [];
  }
}

function decodeAny(root, any) {
  // protobufjs keeps the bundled Any's field as type_url (it camel-cases only parsed .protos).
  const typeUrl = String(any.type_url ?? any.typeUrl ?? '');
  const type = root.lookup(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
  if (!type || typeof type.decode !== 'function') {
    return { typeUrl, value: Buffer.from(any.value) };
  }
  const obj = type.toObject(type.decode(any.value), {
    longs: String,
    enums: String,
    defaults: true,
    arrays: true,
    objects: true,
  });
  return { typeUrl, ...obj };
}

module.exports = { BangerError, clientError, CODE_NAMES, DETAILS_KEY };
