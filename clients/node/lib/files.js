'use strict';
// One file in and out of a running VM over PutFiles / GetFiles (docs/exec.md, "Files"). The
// services speak tar streams; the thin API speaks one path and its bytes.

const posix = require('node:path').posix;
const { messages, track, writeAll, slices, toBuffer } = require('./calls');
const { BangerError, clientError } = require('./errors');
const tar = require('./tar');

function absolute(path, what) {
  if (typeof path !== 'string' || !posix.isAbsolute(path)) {
    throw clientError('INVALID_ARGUMENT', 'PATH_NOT_ABSOLUTE', `${what}: path must be absolute, got ${JSON.stringify(path)}`);
  }
  return path;
}

function fromTarError(err, codeName) {
  if (err instanceof tar.TarError) return clientError(codeName, err.reason, err.message, { cause: err });
  return err;
}

/**
 * Writes `data` to `path` in the VM: PutFiles with directory = dirname (made with its parents) and
 * one tar entry named by the basename. The content is sent in views of `data`, never copied whole.
 * @returns {Promise<{entries: number, contentBytes: number}>}
 */
async function putFile(client, vm, path, data, opts = {}) {
  absolute(path, 'putFile');
  const directory = posix.dirname(path);
  const name = posix.basename(path);
  const body = toBuffer(data);
  let header;
  try {
    header = tar.fileHeader(name, body.length, opts);
  } catch (err) {
    throw fromTarError(err, 'INVALID_ARGUMENT');
  }
  const socket = client.sockets.vm;
  let call;
  const answer = new Promise((resolve, reject) => {
    call = client.raw.vm.PutFiles((err, res) => (err ? reject(BangerError.from(err, socket)) : resolve(res)));
  });
  answer.catch(() => {}); // awaited below; this only keeps an early refusal from counting as unhandled
  const state = track(call);
  function* requests() {
    yield { start: { vm, directory } };
    yield { tar: header };
    for (const piece of slices(body)) yield { tar: piece };
    yield { tar: Buffer.concat([tar.padding(body.length), tar.END]) };
  }
  // If the service refuses early, writing stops and the answer below carries its error.
  if (await writeAll(call, state, requests())) call.end();
  const res = await answer;
  return { entries: Number(res.entries), contentBytes: Number(res.contentBytes) };
}

/**
 * The bytes of the regular file at `path` in the VM. GetFiles answers a tar of the path named by
 * its last component; a directory or a link is refused here (FAILED_PRECONDITION, NOT_A_FILE).
 */
async function getFile(client, vm, path) {
  absolute(path, 'getFile');
  const socket = client.sockets.vm;
  const chunks = [];
  for await (const res of messages(client.raw.vm.GetFiles({ vm, path }), socket)) chunks.push(res.tar);
  let entries;
  try {
    entries = tar.readTar(Buffer.concat(chunks));
  } catch (err) {
    throw fromTarError(err, 'INTERNAL');
  }
  const first = entries[0];
  if (!first) throw clientError('INTERNAL', 'BAD_TAR', `getFile: GetFiles of ${path} answered an empty archive`, { socket });
  if (first.type !== 'file') {
    const what = first.type === 'symlink' ? `a symlink (to ${first.linkname})` : `a ${first.type}`;
    throw clientError('FAILED_PRECONDITION', 'NOT_A_FILE', `getFile: ${path} is ${what}, not a regular file`, {
      socket,
      metadata: { path, type: first.type },
    });
  }
  return first.data;
}

module.exports = { putFile, getFile };
