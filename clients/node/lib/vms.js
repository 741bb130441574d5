'use strict';
// The VM side of the thin API: c.vms (create, get, list, delete) and the Vm objects they return,
// whose methods run against the VM by id (a name can be reused after a delete; an id cannot).

const { unary, messages } = require('./calls');
const { clientError } = require('./errors');
const exec = require('./exec');
const files = require('./files');

/** 'VM_STATE_RUNNING' -> 'running': callers compare text, not proto enum spellings. */
function stateText(state) {
  return String(state || 'VM_STATE_UNSPECIFIED').replace(/^VM_STATE_/, '').toLowerCase();
}

/** 'running' (or 'VM_STATE_RUNNING') -> the proto enum name, for ListVms's filter. */
function stateEnum(state) {
  if (!state) return 'VM_STATE_UNSPECIFIED';
  const s = String(state).toUpperCase();
  return s.startsWith('VM_STATE_') ? s : `VM_STATE_${s}`;
}

function dateOf(ts) {
  if (!ts) return null;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos || 0) / 1e6));
}

/** banger.common.v1.Progress as a plain object with numbers (proto int64s arrive as strings). */
function progressOf(p) {
  return {
    operationId: p.operationId,
    stage: p.stage,
    message: p.message,
    percent: p.percent,
    stageIndex: p.stageIndex,
    stageCount: p.stageCount,
    bytesDone: Number(p.bytesDone),
    bytesTotal: Number(p.bytesTotal),
    time: dateOf(p.time),
    toolOutput: Boolean(p.toolOutput),
  };
}

class Vm {
  constructor(client, raw) {
    // Not enumerable: console.log(vm) shows the VM, not the connection.
    Object.defineProperty(this, '_client', { value: client });
    this._set(raw);
  }

  _set(raw) {
    this.id = raw.id;
    this.name = raw.name;
    this.state = stateText(raw.state);
    this.stateReason = raw.stateReason;
    this.ipAddress = raw.ipAddress;
    this.image = raw.image;
    this.raw = raw;
    return this;
  }

  get _ref() {
    return this.id || this.name;
  }

  /** Runs argv to its end; resolves {stdout, stderr, exitCode, signal}. */
  exec(argv, opts) {
    return exec.run(this._client, this._ref, argv, opts);
  }

  /** Output as it comes: {stdout} | {stderr} | {exit}; read at the consumer's pace. */
  execStream(argv, opts) {
    return exec.stream(this._client, this._ref, argv, opts);
  }

  putFile(path, data, opts) {
    return files.putFile(this._client, this._ref, path, data, opts);
  }

  getFile(path) {
    return files.getFile(this._client, this._ref, path);
  }

  async delete(opts = {}) {
    await this._client.vms.delete(this._ref, opts);
  }

  /** Pauses the VM (its vCPUs stop; memory, disks and network are kept); takes the new state. */
  async pause() {
    const c = this._client;
    const res = await unary(c.raw.vm, 'PauseVm', { vm: this._ref }, c.sockets.vm);
    return this._set(res.vm);
  }

  /** Resumes a paused VM; this object takes the new state. */
  async resume() {
    const c = this._client;
    const res = await unary(c.raw.vm, 'ResumeVm', { vm: this._ref }, c.sockets.vm);
    return this._set(res.vm);
  }

  /** Stops the VM (guest poweroff, bounded wait, then kill); this object takes the new state. */
  async stop(opts = {}) {
    const c = this._client;
    const res = await unary(c.raw.vm, 'StopVm', { vm: this._ref, timeoutSeconds: opts.timeoutSeconds || 0 }, c.sockets.vm);
    return this._set(res.vm);
  }

  /** Starts a created or stopped VM; progress to opts.onProgress; this object takes the new state. */
  async start(opts = {}) {
    const c = this._client;
    const call = c.raw.vm.StartVm({ vm: this._ref, requestId: opts.requestId || '' });
    const raw = await finalVm(messages(call, c.sockets.vm), opts.onProgress, 'StartVm');
    return this._set(raw);
  }

  /** Reads the VM again; this object takes the current state. */
  async refresh() {
    const c = this._client;
    const res = await unary(c.raw.vm, 'GetVm', { vm: this._ref }, c.sockets.vm);
    return this._set(res.vm);
  }
}

/** Drains a Progress-then-Vm stream: progress to the callback, resolves the raw Vm. */
// It reads to the stream's end (the OK status) rather than stopping at the Vm, so the call is
// never cancelled: a cancelled create or start is undone by vm-service.
async function finalVm(events, onProgress, what) {
  let vm = null;
  for await (const ev of events) {
    if (ev.event === 'progress') {
      if (onProgress) onProgress(progressOf(ev.progress));
    } else if (ev.event === 'vm') {
      vm = ev.vm;
    }
  }
  if (!vm) throw clientError('INTERNAL', 'NO_RESULT', `${what} ended without a VM`);
  return vm;
}

class Vms {
  constructor(client) {
    Object.defineProperty(this, '_client', { value: client });
  }

  /**
   * Creates (and unless noStart, starts) a VM: {progress} events, then {vm}. Leaving the loop
   * before {vm} cancels the call, and vm-service undoes the create unless keepFailed was set.
   */
  async *createStream(request = {}) {
    const c = this._client;
    const call = c.raw.vm.CreateVm(request);
    for await (const ev of messages(call, c.sockets.vm)) {
      if (ev.event === 'progress') yield { progress: progressOf(ev.progress) };
      else if (ev.event === 'vm') yield { vm: new Vm(c, ev.vm) };
    }
  }

  /** Creates a VM and resolves it once it is up; progress goes to opts.onProgress. */
  async create(request = {}, opts = {}) {
    const c = this._client;
    const call = c.raw.vm.CreateVm(request);
    return new Vm(c, await finalVm(messages(call, c.sockets.vm), opts.onProgress, 'CreateVm'));
  }

  /** A VM by name or id; NOT_FOUND (reason VM_NOT_FOUND) when there is none. */
  async get(nameOrId) {
    const c = this._client;
    const res = await unary(c.raw.vm, 'GetVm', { vm: nameOrId }, c.sockets.vm);
    return new Vm(c, res.vm);
  }

  /** Every VM (all pages), or only those in opts.state ('running', 'stopped', ...). */
  async list(opts = {}) {
    const c = this._client;
    const out = [];
    let pageToken = '';
    do {
      const res = await unary(c.raw.vm, 'ListVms', { state: stateEnum(opts.state), pageToken }, c.sockets.vm);
      for (const raw of res.vms) out.push(new Vm(c, raw));
      pageToken = res.nextPageToken;
    } while (pageToken);
    return out;
  }

  /** Deletes a VM by name or id; force kills a running one first. */
  async delete(nameOrId, opts = {}) {
    const c = this._client;
    await unary(c.raw.vm, 'DeleteVm', { vm: nameOrId, force: !!opts.force, requestId: opts.requestId || '' }, c.sockets.vm);
  }
}

module.exports = { Vms, Vm, stateText, stateEnum, progressOf };
