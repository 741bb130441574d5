'use strict';
// Promise and async-iterator shapes over grpc-js's callback and stream calls, with every failure
// turned into a BangerError. Flow control is kept both ways: reads go through the stream's own
// async iterator (grpc-js pauses the HTTP/2 stream after each message until the next read), and
// writes wait for 'drain', so neither side buffers without bound.

const { BangerError } = require('./errors');

/** A unary call as a promise. */
function unary(client, method, request, socket) {
  return new Promise((resolve, reject) => {
    client[method](request, (err, response) => {
      if (err) reject(BangerError.from(err, socket));
      else resolve(response);
    });
  });
}

/**
 * The messages of a server-streaming or bidi call, one per next(). Leaving the loop early (break,
 * throw, return) cancels the call, so the server stops the work behind it.
 */
async function* messages(call, socket) {
  let finished = false;
  try {
    for await (const message of call) yield message;
    finished = true;
  } catch (err) {
    finished = true;
    throw BangerError.from(err, socket);
  } finally {
    if (!finished) cancel(call);
  }
}

/** Cancels a call nobody reads any more; its CANCELLED status is expected, not an error. */
function cancel(call) {
  call.on('error', () => {});
  call.cancel();
}

/** Tracks whether a call has ended (status received), so writers stop instead of waiting. */
function track(call) {
  const state = { ended: false };
  call.on('status', () => {
    state.ended = true;
  });
  return state;
}

/** Resolves when the call can take more, or has ended (no 'drain' comes after the end). */
function writable(call, state) {
  if (state.ended) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('status', done);
      call.off('error', done);
      resolve();
    };
    call.on('drain', done);
    call.on('status', done);
    call.on('error', done);
  });
}

/**
 * Writes each message (from an iterable or async iterable) at the call's pace.
 * @returns {Promise<boolean>} false when the call ended before everything was written
 */
async function writeAll(call, state, source) {
  for await (const message of source) {
    if (state.ended) return false;
    if (!call.write(message)) await writable(call, state);
  }
  return !state.ended;
}

const MAX_CHUNK = 1024 * 1024; // the services take at most 1 MiB of bytes per message

/** Buffer slices of at most MAX_CHUNK bytes (views, no copies). */
function* slices(buf, size = MAX_CHUNK) {
  for (let off = 0; off < buf.length; off += size) yield buf.subarray(off, off + size);
}

/** Buffers of at most MAX_CHUNK bytes from a Buffer, a string, or an (async) iterable of them. */
async function* chunksOf(data) {
  if (data === undefined || data === null) return;
  if (typeof data === 'string' || Buffer.isBuffer(data) || data instanceof Uint8Array) {
    yield* slices(toBuffer(data));
    return;
  }
  if (typeof data[Symbol.asyncIterator] === 'function' || typeof data[Symbol.iterator] === 'function') {
    for await (const piece of data) yield* slices(toBuffer(piece));
    return;
  }
  throw new TypeError('expected a Buffer, a string, or an iterable of them');
}

function toBuffer(piece) {
  if (Buffer.isBuffer(piece)) return piece;
  if (typeof piece === 'string') return Buffer.from(piece, 'utf8');
  if (piece instanceof Uint8Array) return Buffer.from(piece.buffer, piece.byteOffset, piece.length);
  throw new TypeError(`expected a Buffer or a string, got ${typeof piece}`);
}

module.exports = { unary, messages, cancel, track, writeAll, slices, chunksOf, toBuffer, MAX_CHUNK };
