// Types for @banger/client (the JavaScript is in lib/). Field names are the proto names in
// lowerCamelCase, as @grpc/proto-loader gives them; 64-bit integers in raw messages are strings.

/// <reference types="node" />
import type { Client as GrpcClient, status as GrpcStatus } from '@grpc/grpc-js';

export interface ConnectOptions {
  /** All-in-one state directory (bangerd --all --state-dir DIR): sockets are DIR/run/*.sock. */
  stateDir?: string;
  /** The directory holding vm.sock, image.sock, ... itself (like /run/banger). */
  socketDir?: string;
  /** Environment to read BANGER_STATE_DIR from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type ServiceName = 'vm' | 'image' | 'net' | 'disk';
export type Sockets = Readonly<Record<ServiceName, string>>;

/** Where the services listen: stateDir/socketDir, else $BANGER_STATE_DIR, else /run/banger. */
export function resolveSockets(opts?: ConnectOptions, env?: NodeJS.ProcessEnv): Record<ServiceName, string>;

export function connect(opts?: ConnectOptions): BangerClient;

export type HealthStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export class BangerClient {
  constructor(opts?: ConnectOptions);
  readonly sockets: Sockets;
  readonly vms: Vms;
  readonly raw: RawClients;
  /** grpc.health.v1.Health/Check of that service on its own socket. */
  health(service?: ServiceName): Promise<HealthStatus>;
  /** Closes every channel. */
  close(): void;
}

/** A grpc-js generated-style client: callback unary methods, stream objects for streaming ones. */
export type RawClient = GrpcClient & { [method: string]: (...args: any[]) => any };

export interface RawClients {
  readonly vm: RawClient;
  /** banger.vm.v1.SnapshotService on vm.sock. */
  readonly snapshot: RawClient;
  readonly image: RawClient;
  readonly net: RawClient;
  readonly disk: RawClient;
  /** banger.common.v1.OperationsService on vm.sock (the VM service's operations). */
  readonly operations: RawClient;
  /** OperationsService on another socket: each service serves its own operations. */
  operationsOn(service: ServiceName): RawClient;
  /** grpc.health.v1.Health on a service's socket. */
  health(service?: ServiceName): RawClient;
}

export type VmState = 'unspecified' | 'created' | 'starting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'error';

export interface Timestamp {
  seconds: string;
  nanos: number;
}

export interface VmSpec {
  vcpu?: number;
  memoryMib?: number;
  workDiskBytes?: number | string;
  systemOverlayBytes?: number | string;
  nat?: boolean;
  driver?: string;
}

/** banger.vm.v1.Vm as it arrives (enums as names, int64 as strings). */
export interface VmProto {
  id: string;
  name: string;
  image: string;
  kernel: string;
  spec: Required<{ [K in keyof VmSpec]: K extends 'workDiskBytes' | 'systemOverlayBytes' ? string : VmSpec[K] }> | null;
  state: string;
  stateReason: string;
  ipAddress: string;
  macAddress: string;
  createTime: Timestamp | null;
  updateTime: Timestamp | null;
  startTime: Timestamp | null;
  workspace: Record<string, unknown> | null;
  /** Uid of the user whose call created the VM; absent for VMs from before owners were kept. */
  ownerUid?: number;
}

export interface CreateVmRequest {
  requestId?: string;
  /** Empty: a generated adjective-noun name. */
  name?: string;
  image?: string;
  kernel?: string;
  spec?: VmSpec;
  noStart?: boolean;
  keepFailed?: boolean;
  /** A snapshot (name or id) to start from instead of booting: image, kernel, sizes are its. */
  snapshot?: string;
}

/** banger.common.v1.Progress with numbers. */
export interface Progress {
  operationId: string;
  stage: string;
  message: string;
  /** 0..100; negative when unknown. */
  percent: number;
  stageIndex: number;
  stageCount: number;
  bytesDone: number;
  bytesTotal: number;
  time: Date | null;
  /** A line of a tool's own output (mmdebstrap, apt), not banger's sentence: show it on request. */
  toolOutput: boolean;
}

export interface ProgressOptions {
  onProgress?: (p: Progress) => void;
}

export type CreateEvent = { progress: Progress; vm?: undefined } | { vm: Vm; progress?: undefined };

export interface Vms {
  create(request?: CreateVmRequest, opts?: ProgressOptions): Promise<Vm>;
  /** Leaving the loop before the vm event cancels the create (undone unless keepFailed). */
  createStream(request?: CreateVmRequest): AsyncGenerator<CreateEvent, void, undefined>;
  get(nameOrId: string): Promise<Vm>;
  list(opts?: { state?: VmState | string }): Promise<Vm[]>;
  delete(nameOrId: string, opts?: { force?: boolean; requestId?: string }): Promise<void>;
}

export type Stdin = Buffer | Uint8Array | string | Iterable<Buffer | Uint8Array | string> | AsyncIterable<Buffer | Uint8Array | string>;

export interface ExecOptions {
  /** Fed in <= 1 MiB chunks, then end of file. Without it the program sees end of file at once. */
  stdin?: Stdin;
  env?: Record<string, string>;
  /** Absolute working directory; default the VM's workspace, else /root. */
  cwd?: string;
  /** Default root. */
  user?: string;
  /** 0: none; at most 86400. When it passes the call fails DEADLINE_EXCEEDED (EXEC_TIMEOUT). */
  timeoutSeconds?: number;
  /** argv is one command line run by /bin/sh -c. */
  shell?: boolean;
  /** A pseudo-terminal: all output arrives as stdout. */
  tty?: boolean;
  window?: { columns: number; rows: number };
}

export interface ExecExit {
  exitCode: number;
  /** The signal that ended it (e.g. 'KILL'); '' when it exited. */
  signal: string;
}

export interface ExecResult extends ExecExit {
  stdout: Buffer;
  stderr: Buffer;
}

export type ExecEvent =
  | { stdout: Buffer; stderr?: undefined; exit?: undefined }
  | { stderr: Buffer; stdout?: undefined; exit?: undefined }
  | { exit: ExecExit; stdout?: undefined; stderr?: undefined };

export interface PutFileOptions {
  /** Permission bits; default 0o644. */
  mode?: number;
  /** Seconds since the epoch, or a Date; default now. */
  mtime?: number | Date;
  /** Numeric owner; without uid/gid the owner is root (by name). */
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
}

export class Vm {
  constructor(client: BangerClient, raw: Partial<VmProto>);
  id: string;
  name: string;
  state: VmState;
  stateReason: string;
  ipAddress: string;
  image: string;
  raw: VmProto;
  exec(argv: string[] | string, opts?: ExecOptions): Promise<ExecResult>;
  /** Read at the consumer's pace; leaving the loop early kills the program. */
  execStream(argv: string[] | string, opts?: ExecOptions): AsyncGenerator<ExecEvent, void, undefined>;
  putFile(path: string, data: Buffer | Uint8Array | string, opts?: PutFileOptions): Promise<{ entries: number; contentBytes: number }>;
  getFile(path: string): Promise<Buffer>;
  delete(opts?: { force?: boolean; requestId?: string }): Promise<void>;
  /** The vCPUs stop; memory, disks and network are kept. */
  pause(): Promise<Vm>;
  resume(): Promise<Vm>;
  stop(opts?: { timeoutSeconds?: number }): Promise<Vm>;
  start(opts?: ProgressOptions & { requestId?: string }): Promise<Vm>;
  refresh(): Promise<Vm>;
}

export type StatusCodeName = keyof typeof GrpcStatus;

/** A decoded google.rpc status detail: its type URL and the message's fields. */
export interface StatusDetail {
  typeUrl: string;
  [field: string]: unknown;
}

export class BangerError extends Error {
  constructor(fields: {
    code: number;
    message: string;
    reason?: string;
    domain?: string;
    metadata?: Record<string, string>;
    details?: StatusDetail[];
    socket?: string;
    cause?: unknown;
  });
  /** Numeric gRPC status code. */
  code: number;
  /** 'NOT_FOUND', 'UNAVAILABLE', ... */
  codeName: StatusCodeName | string;
  /** ErrorInfo.reason, e.g. 'VM_NOT_FOUND'; '' when the status had none (a transport failure). */
  reason: string;
  /** 'banger.dev' for the services' errors; '' for checks the client made itself. */
  domain: string;
  metadata: Record<string, string>;
  details: StatusDetail[];
  /** The socket the call went to. */
  socket: string;
  /** A grpc-js error (from a raw client) as a BangerError; anything else is returned as is. */
  static from(err: unknown, socket?: string): BangerError | unknown;
}

export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'char' | 'block' | 'fifo' | 'other';
  size: number;
  mode: number;
  mtime: number;
  linkname: string;
  /** Content of a regular file (a view into the archive buffer). */
  data?: Buffer;
}

export namespace tar {
  class TarError extends Error {
    reason: string;
  }
  function fileHeader(name: string, size: number, opts?: PutFileOptions): Buffer;
  function padding(size: number): Buffer;
  function packFile(name: string, data: Buffer | Uint8Array | string, opts?: PutFileOptions): Buffer;
  function readTar(archive: Buffer): TarEntry[];
  function parsePax(data: Buffer): Record<string, string>;
  const BLOCK: 512;
  const END: Buffer;
}

export const status: typeof GrpcStatus;
