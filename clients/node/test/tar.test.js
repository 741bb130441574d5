'use strict';
// The tar writer and reader: round trips, hand-made GNU/PAX headers, and (where this host has
// GNU tar) archives GNU tar itself wrote and GNU tar extracting what the writer made.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const tar = require('../lib/tar');

/** A header made independently of lib/tar.js: name, type flag, size, and optional magic. */
function header(name, flag, size, magic = 'ustar\u000000') {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('14540762000\0', 136, 'latin1');
  h.write(flag, 156, 'latin1');
  h.write(magic, 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

const pad = (buf) => Buffer.concat([buf, Buffer.alloc((512 - (buf.length % 512)) % 512)]);

function gnuTar() {
  try {
    return /GNU tar/.test(execFileSync('tar', ['--version']).toString());
  } catch {
    return false;
  }
}

describe('tar writer', () => {
  it('round-trips one file through the reader', () => {
    const data = crypto.randomBytes(1000);
    const archive = tar.packFile('blob', data, { mode: 0o755, mtime: 1700000000 });
    assert.equal(archive.length, 512 + 1024 + 1024);
    const entries = tar.readTar(archive);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].name, 'blob');
    assert.equal(entries[0].type, 'file');
    assert.equal(entries[0].mode, 0o755);
    assert.equal(entries[0].mtime, 1700000000);
    assert.ok(entries[0].data.equals(data));
  });

  it('writes an empty file and a name of exactly 100 bytes', () => {
    const name = 'é'.repeat(50); // 100 bytes of UTF-8
    const [e] = tar.readTar(tar.packFile(name, Buffer.alloc(0)));
    assert.equal(e.name, name);
    assert.equal(e.size, 0);
    assert.equal(e.data.length, 0);
  });

  it('refuses names over 100 bytes, and paths, with a clear error', () => {
    assert.throws(() => tar.fileHeader('x'.repeat(101), 1), (e) => e.reason === 'NAME_TOO_LONG' && /101 bytes/.test(e.message));
    assert.throws(() => tar.fileHeader('a/b', 1), /not a file name/);
    assert.throws(() => tar.fileHeader('..', 1), /not a file name/);
    assert.throws(() => tar.fileHeader('', 1), /not a file name/);
  });

  it('writes sizes of 8 GiB and more in base-256, which the reader reads', () => {
    const h = tar.fileHeader('big', 2 ** 33 + 5);
    assert.equal(h[124], 0x80);
    // No 8 GiB body here: the reader's truncation error reports the size it decoded.
    assert.throws(() => tar.readTar(h), /has 8589934597 bytes, 0 remain/);
  });

  it('names the owner root unless ids are given', () => {
    const rootOwned = tar.fileHeader('f', 0);
    assert.equal(rootOwned.subarray(265, 269).toString(), 'root');
    const numeric = tar.fileHeader('f', 0, { uid: 1000, gid: 1000 });
    assert.equal(numeric[265], 0);
    assert.equal(numeric.subarray(108, 115).toString(), '0001750');
  });
});

describe('tar reader', () => {
  it('applies a GNU L long name to the entry that follows', () => {
    const long = `${'d'.repeat(80)}/${'f'.repeat(120)}`;
    const nameData = Buffer.from(`${long}\0`);
    const archive = Buffer.concat([
      header('././@LongLink', 'L', nameData.length, 'ustar  \0'),
      pad(nameData),
      header(long.slice(0, 100), '0', 3, 'ustar  \0'),
      pad(Buffer.from('abc')),
      Buffer.alloc(1024),
    ]);
    const entries = tar.readTar(archive);
    assert.equal(entries.length, 1);
    assert.equal(entries[0].name, long);
    assert.equal(entries[0].data.toString(), 'abc');
  });

  it('applies PAX path and size, and skips directories by type', () => {
    const record = (k, v) => {
      const body = ` ${k}=${v}\n`;
      let n = Buffer.byteLength(body) + 1;
      while (Buffer.byteLength(`${n}${body}`) !== n) n++;
      return `${n}${body}`;
    };
    const paxData = Buffer.from(record('path', 'ünïcode/näme.txt') + record('size', '5'));
    const archive = Buffer.concat([
      header('dir/', '5', 0),
      header('PaxHeaders/x', 'x', paxData.length),
      pad(paxData),
      header('short', '0', 0), // header size 0: the PAX size (5) wins
      pad(Buffer.from('hello')),
      Buffer.alloc(1024),
    ]);
    const entries = tar.readTar(archive);
    assert.deepEqual(entries.map((e) => [e.name, e.type]), [['dir/', 'directory'], ['ünïcode/näme.txt', 'file']]);
    assert.equal(entries[1].data.toString(), 'hello');
  });

  it('reads base-256 sizes and refuses bad checksums and truncation', () => {
    const h = header('b', '0', 0);
    h.fill(0, 124, 136);
    h[124] = 0x80;
    h[135] = 3; // size 3 in base-256
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const [e] = tar.readTar(Buffer.concat([h, pad(Buffer.from('xyz')), Buffer.alloc(1024)]));
    assert.equal(e.size, 3);
    assert.equal(e.data.toString(), 'xyz');
    const bad = Buffer.from(header('c', '0', 0));
    bad[0] = 0x64;
    assert.throws(() => tar.readTar(bad), /checksum/);
    assert.throws(() => tar.readTar(header('d', '0', 10)), /truncated/);
  });

  it('reads what GNU tar writes: long names (gnu) and PAX (posix)', { skip: !gnuTar() && 'no GNU tar here' }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tar-'));
    try {
      const name = 'n'.repeat(150);
      const data = crypto.randomBytes(70000);
      fs.writeFileSync(path.join(dir, name), data);
      for (const format of ['gnu', 'posix']) {
        const out = execFileSync('tar', [`--format=${format}`, '-c', '-f', '-', '-C', dir, name]);
        const entries = tar.readTar(out);
        assert.equal(entries.length, 1, format);
        assert.equal(entries[0].name, name, format);
        assert.ok(entries[0].data.equals(data), format);
      }
      fs.mkdirSync(path.join(dir, 'tree'));
      fs.writeFileSync(path.join(dir, 'tree', 'f'), 'x');
      const tree = tar.readTar(execFileSync('tar', ['-c', '-f', '-', '-C', dir, 'tree']));
      assert.deepEqual(tree.map((e) => [e.name, e.type]), [['tree/', 'directory'], ['tree/f', 'file']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GNU tar extracts what the writer makes, mode included', { skip: !gnuTar() && 'no GNU tar here' }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tar-'));
    try {
      const data = crypto.randomBytes(5000);
      execFileSync('tar', ['-x', '-f', '-', '-C', dir], { input: tar.packFile('out.bin', data, { mode: 0o640 }) });
      assert.ok(fs.readFileSync(path.join(dir, 'out.bin')).equals(data));
      assert.equal(fs.statSync(path.join(dir, 'out.bin')).mode & 0o777, 0o640);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
