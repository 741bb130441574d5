'use strict';
// VmService.Exec (docs/exec.md): a bidi call whose first request is ExecStart, then stdin chunks
// and close_stdin; the answers are stdout/stderr chunks and one exit. stdin is fed concurrently
// with reading, or a program that writes before it has read all its input would deadlock us.

const { messages, cancel, track, writeAll, chunksOf } = require('./calls');
const { clientError } = require('./errors');

/** ExecStart from the thin API's options (names as the Python client spells them). */
function startRequest(vm, argv, opts) {
  const list = typeof argv === 'string' ? [argv] : argv;
  if (!Array.isArray(list)) throw new TypeError('exec: argv must be an array of strings (or one string with shell: true)');
  return {
    start: {
      vm,
      argv: list.map(String),
      shell: !!opts.shell,
      env: opts.env || {},
      workingDir: opts.cwd || '',
      user: opts.user || '',
      tty: !!opts.tty,
      window: opts.window || null,
      timeoutSeconds: opts.timeoutSeconds || 0,
    },
  };
}

/** The requests after start: stdin in <= 1 MiB chunks, then end of file. */
async function* stdinRequests(stdin) {
  for await (const chunk of chunksOf(stdin)) {
    if (chunk.length > 0) yield { stdin: chunk };
  }
  yield { closeStdin: true };
}

/**
 * Output events at the consumer's pace: {stdout: Buffer} | {stderr: Buffer} | {exit: {exitCode,
 * signal}}. The call is read one message per next(); leaving the loop early cancels it, which
 * kills the program's process group in the guest.
 */
async function* stream(client, vm, argv, opts = {}) {
  const start = startRequest(vm, argv, opts);
  const call = client.raw.vm.Exec();
  const state = track(call);
  let stdinError = null;
  call.write(start);
  // Runs beside the reads below and is not awaited: a slow stdin source must not hold up the
  // result once the program has exited. A failure of the call itself shows on the read side; a
  // failure of the caller's stdin source (a stream that errored) cancels the call and is rethrown.
  writeAll(call, state, stdinRequests(opts.stdin))
    .then((complete) => {
      if (complete) call.end();
    })
    .catch((err) => {
      stdinError = err;
      cancel(call);
    });
  let exited = false;
  try {
    for await (const res of messages(call, client.sockets.vm)) {
      if (res.kind === 'stdout') yield { stdout: res.stdout };
      else if (res.kind === 'stderr') yield { stderr: res.stderr };
      else if (res.kind === 'exit') {
        exited = true;
        yield { exit: { exitCode: res.exit.exitCode, signal: res.exit.signal } };
      }
    }
  } catch (err) {
    throw stdinError || err;
  }
  if (stdinError) throw stdinError;
  if (!exited) throw clientError('INTERNAL', 'NO_EXIT', 'Exec ended without an exit status', { socket: client.sockets.vm });
}

/** Runs argv to its end and collects everything: {stdout, stderr, exitCode, signal}. */
async function run(client, vm, argv, opts = {}) {
  const out = [];
  const err = [];
  let exit = { exitCode: 0, signal: '' };
  for await (const ev of stream(client, vm, argv, opts)) {
    if (ev.stdout) out.push(ev.stdout);
    else if (ev.stderr) err.push(ev.stderr);
    else if (ev.exit) exit = ev.exit;
  }
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), exitCode: exit.exitCode, signal: exit.signal };
}

module.exports = { stream, run, startRequest };
