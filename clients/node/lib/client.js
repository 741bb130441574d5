'use strict';
// connect(): one grpc-js channel per socket, shared by every client on it (the service, its
// OperationsService and Health), created on first use so connecting costs nothing until a call.

const grpc = require('@grpc/grpc-js');
const { services } = require('./proto');
const { resolveSockets, target, SERVICES } = require('./sockets');
const { unary } = require('./calls');
const { Vms } = require('./vms');

// Health names the services by their full proto name (service-kit KitServer sets each SERVING).
const SERVICE_NAMES = {
  vm: 'banger.vm.v1.VmService',
  image: 'banger.image.v1.ImageService',
  net: 'banger.net.v1.NetService',
  disk: 'banger.disk.v1.DiskService',
};

const CHANNEL_OPTIONS = {
  // GetFiles and GetVmLogs chunks are small, but a long ListVms page need not hit 4 MiB.
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
};

const SERVICE_LABEL = { vm: 'vm-service', image: 'image-service', net: 'net-service', disk: 'disk-service' };

/**
 * Says which socket a connection failure was, as the CLI's SocketNaming does, instead of grpc-js's
 * "No connection established". A status the service itself sent (it carries status details) is
 * left in its own words.
 */
function namingInterceptor(which, socket) {
  const label = SERVICE_LABEL[which];
  const rename = (status) => {
    if (status.code !== grpc.status.UNAVAILABLE || status.metadata.get('grpc-status-details-bin').length) {
      return status;
    }
    const why = String(status.details || '');
    let details;
    if (/EACCES|permission denied/i.test(why)) {
      details = `${label}'s socket ${socket} refused the connection: permission denied (the socket's group or the service's allow list must include you)`;
    } else if (/ENOENT|ECONNREFUSED|no such file|connection refused/i.test(why)) {
      details = `${label} is not running (nothing listens on ${socket})`;
    } else {
      details = `${label} at ${socket} did not answer: ${why}`;
    }
    return { ...status, details };
  };
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        next(metadata, {
          onReceiveStatus(status, nextStatus) {
            nextStatus(rename(status));
          },
        });
      },
    });
}

class BangerClient {
  constructor(opts = {}) {
    this.sockets = Object.freeze(resolveSockets(opts, opts.env || process.env));
    this._channels = new Map();
    this._clients = new Map();
    this._closed = false;
    this.raw = new RawClients(this);
    this.vms = new Vms(this);
  }

  /** A raw client of `Ctor` on service `which`'s socket, made once and reused. */
  _client(which, key, Ctor) {
    if (this._closed) throw new Error('@banger/client: this client is closed');
    if (!SERVICES.includes(which)) {
      throw new TypeError(`unknown service "${which}" (one of ${SERVICES.join(', ')})`);
    }
    const id = `${which}/${key}`;
    let c = this._clients.get(id);
    if (!c) {
      let channel = this._channels.get(which);
      if (!channel) {
        channel = new grpc.Channel(target(this.sockets[which]), grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
        this._channels.set(which, channel);
      }
      c = new Ctor(target(this.sockets[which]), grpc.credentials.createInsecure(), {
        channelOverride: channel,
        interceptors: [namingInterceptor(which, this.sockets[which])],
      });
      this._clients.set(id, c);
    }
    return c;
  }

  /** grpc.health.v1 status of a service ('SERVING', 'NOT_SERVING', ...). */
  async health(which = 'vm') {
    const res = await unary(this.raw.health(which), 'Check', { service: SERVICE_NAMES[which] }, this.sockets[which]);
    return res.status;
  }

  /** Closes every channel; calls in flight fail with CANCELLED/UNAVAILABLE. */
  close() {
    this._closed = true;
    for (const c of this._clients.values()) c.close();
    for (const ch of this._channels.values()) ch.close();
    this._clients.clear();
    this._channels.clear();
  }
}

/** The generated-style grpc-js clients (callback and stream API), for everything not wrapped. */
class RawClients {
  constructor(owner) {
    Object.defineProperty(this, '_owner', { value: owner });
  }

  get vm() {
    return this._owner._client('vm', 'VmService', services().banger.vm.v1.VmService);
  }

  /** SnapshotService on vm.sock: snapshots of running VMs. */
  get snapshot() {
    return this._owner._client('vm', 'SnapshotService', services().banger.vm.v1.SnapshotService);
  }

  get image() {
    return this._owner._client('image', 'ImageService', services().banger.image.v1.ImageService);
  }

  get net() {
    return this._owner._client('net', 'NetService', services().banger.net.v1.NetService);
  }

  get disk() {
    return this._owner._client('disk', 'DiskService', services().banger.disk.v1.DiskService);
  }

  /** OperationsService on vm.sock: the VM service's own operations (CreateVm, StartVm...). */
  get operations() {
    return this.operationsOn('vm');
  }

  /** Each service serves OperationsService on its own socket for the operations it runs. */
  operationsOn(which) {
    return this._owner._client(which, 'OperationsService', services().banger.common.v1.OperationsService);
  }

  health(which = 'vm') {
    return this._owner._client(which, 'Health', services().grpc.health.v1.Health);
  }
}

function connect(opts) {
  return new BangerClient(opts);
}

module.exports = { connect, BangerClient, SERVICE_NAMES };
