'use strict';
// Where the services listen, resolved the way the banger CLI does (gateway-cli Banger.layout()):
// an explicit state directory, else $BANGER_STATE_DIR, else the production sockets. A state
// directory DIR (bangerd --all --state-dir DIR) keeps its sockets in DIR/run/<service>.sock.

const path = require('node:path');

const SERVICES = Object.freeze(['vm', 'image', 'net', 'disk']);
const PRODUCTION_RUN_DIR = '/run/banger';

/**
 * @param {{stateDir?: string, socketDir?: string}} opts socketDir names the directory holding
 *   the sockets themselves (like /run/banger), for a layout other than DIR/run.
 * @param {NodeJS.ProcessEnv} env
 * @returns {{vm: string, image: string, net: string, disk: string}} absolute socket paths
 */
function resolveSockets(opts = {}, env = process.env) {
  if (opts.stateDir && opts.socketDir) {
    throw new TypeError('connect: give stateDir or socketDir, not both');
  }
  let runDir;
  if (opts.socketDir) {
    runDir = path.resolve(opts.socketDir);
  } else if (opts.stateDir) {
    runDir = path.join(path.resolve(opts.stateDir), 'run');
  } else if (env.BANGER_STATE_DIR && env.BANGER_STATE_DIR.trim() !== '') {
    runDir = path.join(path.resolve(env.BANGER_STATE_DIR), 'run');
  } else {
    runDir = PRODUCTION_RUN_DIR;
  }
  const sockets = {};
  for (const s of SERVICES) sockets[s] = path.join(runDir, `${s}.sock`);
  return sockets;
}

/** grpc-js target for a Unix socket path. */
function target(socketPath) {
  return `unix://${socketPath}`;
}

module.exports = { resolveSockets, target, SERVICES, PRODUCTION_RUN_DIR };
