'use strict';
// @banger/client: a thin API over banger's gRPC services (connect, VMs, exec, files) and the
// raw grpc-js clients for everything else. Types: ../index.d.ts.

const grpc = require('@grpc/grpc-js');
const { connect, BangerClient } = require('./client');
const { BangerError } = require('./errors');
const { resolveSockets } = require('./sockets');
const { Vm } = require('./vms');
const tar = require('./tar');

module.exports = {
  connect,
  BangerClient,
  BangerError,
  Vm,
  resolveSockets,
  tar,
  // grpc-js's numeric codes (status.NOT_FOUND === 5), to compare with BangerError.code.
  status: grpc.status,
};
