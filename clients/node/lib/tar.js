'use strict';
// Just enough tar for PutFiles and GetFiles. Writing: one ustar regular file, named by a path's
// last component (so no long-name extensions are needed). Reading: what GNU or busybox tar in the
// guest produces: ustar/GNU headers, GNU 'L'/'K' long names, PAX 'x' (path, linkpath, size) and
// 'g' records, sizes in octal or GNU base-256.

const BLOCK = 512;
const END = Buffer.alloc(2 * BLOCK); // two zero blocks end an archive

class TarError extends Error {
  constructor(reason, message) {
    super(message);
    this.name = 'TarError';
    this.reason = reason;
  }
}

// --- writing -----------------------------------------------------------------------------

function writeOctal(h, off, len, value, field) {
  const s = Math.floor(value).toString(8).padStart(len - 1, '0');
  if (s.length > len - 1) throw new TarError('TAR_FIELD_RANGE', `tar: ${field} ${value} does not fit the header`);
  h.write(`${s}\0`, off, len, 'latin1');
}

/** Size: octal up to 8 GiB - 1, GNU base-256 beyond (GNU and busybox tar both read it). */
function writeSize(h, off, len, size) {
  if (size < 8 ** (len - 1)) return writeOctal(h, off, len, size, 'size');
  let v = BigInt(size);
  for (let i = off + len - 1; i > off; i--) {
    h[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  h[off] = 0x80;
}

/**
 * The 512-byte ustar header of one regular file.
 * @param {string} name one path component, at most 100 bytes of UTF-8
 * @param {number} size bytes of content that follow
 * @param {{mode?: number, mtime?: number|Date, uid?: number, gid?: number, uname?: string, gname?: string}} [opts]
 */
function fileHeader(name, size, opts = {}) {
  const nameBytes = Buffer.from(String(name), 'utf8');
  if (nameBytes.length === 0 || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new TarError('TAR_BAD_NAME', `tar: "${name}" is not a file name (one path component, not . or ..)`);
  }
  if (nameBytes.length > 100) {
    throw new TarError(
      'NAME_TOO_LONG',
      `tar: file name "${name}" is ${nameBytes.length} bytes; the client writes names of at most 100 bytes (the ustar name field)`,
    );
  }
  const numericOwner = opts.uid !== undefined || opts.gid !== undefined;
  const mtime = opts.mtime instanceof Date ? opts.mtime.getTime() / 1000 : (opts.mtime ?? Date.now() / 1000);
  const h = Buffer.alloc(BLOCK);
  nameBytes.copy(h, 0);
  writeOctal(h, 100, 8, (opts.mode ?? 0o644) & 0o7777, 'mode');
  writeOctal(h, 108, 8, opts.uid ?? 0, 'uid');
  writeOctal(h, 116, 8, opts.gid ?? 0, 'gid');
  writeSize(h, 124, 12, size);
  writeOctal(h, 136, 12, mtime, 'mtime');
  h[156] = 0x30; // '0': regular file
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  // The guest's tar (root, -p) maps owner names before numbers: name root unless ids were given.
  h.write(opts.uname ?? (numericOwner ? '' : 'root'), 265, 31, 'utf8');
  h.write(opts.gname ?? (numericOwner ? '' : 'root'), 297, 31, 'utf8');
  h.fill(0x20, 148, 156); // the checksum is summed with its own field as spaces
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1');
  return h;
}

/** Zero bytes that round content of `size` bytes up to a whole block. */
function padding(size) {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** A whole archive holding one regular file, as one Buffer (handy for small files and tests). */
function packFile(name, data, opts) {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return Buffer.concat([fileHeader(name, body.length, opts), body, padding(body.length), END]);
}

// --- reading -----------------------------------------------------------------------------

function cstring(buf) {
  const nul = buf.indexOf(0);
  return (nul < 0 ? buf : buf.subarray(0, nul)).toString('utf8');
}

/** A numeric field: octal text, or base-256 when the top bit of its first byte is set. */
function readNumber(h, off, len) {
  if (h[off] & 0x80) {
    if (h[off] === 0xff) throw new TarError('BAD_TAR', 'tar: negative base-256 number');
    let v = BigInt(h[off] & 0x7f);
    for (let i = off + 1; i < off + len; i++) v = (v << 8n) | BigInt(h[i]);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TarError('BAD_TAR', 'tar: number too large');
    return Number(v);
  }
  const text = h.subarray(off, off + len).toString('latin1').replace(/[\0 ]+$/g, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError('BAD_TAR', `tar: bad octal field "${text}"`);
  return parseInt(text, 8);
}

function checksumOk(h) {
  const stored = readNumber(h, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b; // some old tars summed signed chars
  }
  return stored === unsigned || stored === signed;
}

/** PAX extended header records: "LEN key=value\n", LEN counting the whole record. */
function parsePax(data) {
  const out = {};
  let off = 0;
  while (off < data.length) {
    const space = data.indexOf(0x20, off);
    const len = space < 0 ? NaN : parseInt(data.subarray(off, space).toString('latin1'), 10);
    if (!(len > 0) || off + len > data.length) throw new TarError('BAD_TAR', 'tar: malformed PAX record');
    const record = data.subarray(space + 1, off + len - 1).toString('utf8'); // drop the '\n'
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    off += len;
  }
  return out;
}

const TYPES = { 0: 'file', 7: 'file', 1: 'link', 2: 'symlink', 3: 'char', 4: 'block', 5: 'directory', 6: 'fifo' };

/**
 * Entries of a whole archive in a Buffer: {name, type, size, mode, mtime, linkname, data}. data
 * is a view into `buf` for regular files (no copy), undefined otherwise.
 */
function readTar(buf) {
  const entries = [];
  let global = {};
  let pax = {};
  let longName = null;
  let longLink = null;
  let off = 0;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) return entries; // end of archive
    if (!checksumOk(h)) throw new TarError('BAD_TAR', `tar: bad header checksum at offset ${off}`);
    const flag = h[156] === 0 ? '0' : String.fromCharCode(h[156]);
    const meta = flag === 'L' || flag === 'K' || flag === 'x' || flag === 'g';
    const ext = { ...global, ...pax };
    // A PAX size overrides the header's (files of 8 GiB and more), for the entry it precedes.
    const size = !meta && ext.size !== undefined ? Number(ext.size) : readNumber(h, 124, 12);
    const start = off + BLOCK;
    if (start + size > buf.length) {
      throw new TarError('BAD_TAR', `tar: archive truncated: the entry at offset ${off} has ${size} bytes, ${buf.length - start} remain`);
    }
    const data = buf.subarray(start, start + size);
    off = start + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'L') longName = cstring(data);
    else if (flag === 'K') longLink = cstring(data);
    else if (flag === 'x') pax = parsePax(data);
    else if (flag === 'g') global = { ...global, ...parsePax(data) };
    if (meta) continue;
    let name = cstring(h.subarray(0, 100));
    // POSIX ustar splits long names into prefix/name; old GNU ("ustar  \0") uses that area otherwise.
    if (h.subarray(257, 263).toString('latin1') === 'ustar\0') {
      const prefix = cstring(h.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    const type = TYPES[flag] || 'other';
    entries.push({
      name: ext.path ?? longName ?? name,
      type,
      size,
      mode: readNumber(h, 100, 8),
      mtime: ext.mtime !== undefined ? Number(ext.mtime) : readNumber(h, 136, 12),
      linkname: ext.linkpath ?? longLink ?? cstring(h.subarray(157, 257)),
      data: type === 'file' ? data : undefined,
    });
    pax = {};
    longName = null;
    longLink = null;
  }
  // No zero blocks: accepted when the last entry ended on a block boundary (gRPC already vouches
  // that the stream was complete); a partial block is damage.
  if (off >= buf.length) return entries;
  throw new TarError('BAD_TAR', `tar: ${buf.length - off} stray bytes after the last entry`);
}

module.exports = { fileHeader, padding, packFile, readTar, parsePax, TarError, BLOCK, END };
