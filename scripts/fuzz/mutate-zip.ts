/**
 * Model archive (.zip) mutations: header fields of the local headers, the central
 * directory and its end record (sizes, offsets, counts, methods, flags, name lengths,
 * file types), and whole-archive rewrites — entries renamed (`../`, absolute, duplicate),
 * added (symlinks, nested zips, lying sizes, too many) or dropped, and the files inside
 * (.gltf, .obj, .mtl, textures) mutated in turn.
 */
import { inflateRawSync } from 'node:zlib';
import { zipFixture, type ZipFixtureEntry } from '../fixtures/zip-writer.js';
import { bitFlips, concat, INTERESTING_U32, truncate, type Mutator } from './mutate-bytes.js';
import { mutateJsonText } from './mutate-json.js';
import type { Rng } from './rng.js';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Archives that expand to more than this are not rewritten entry by entry. */
const REWRITE_MAX_BYTES = 8 * 1024 * 1024;

/** Field offsets and widths of the three header kinds. */
const FIELDS = {
  local: { version: [4, 2], flags: [6, 2], method: [8, 2], crc: [14, 4], compressedSize: [18, 4], size: [22, 4], nameLength: [26, 2], extraLength: [28, 2] },
  central: {
    madeBy: [4, 2], version: [6, 2], flags: [8, 2], method: [10, 2], crc: [16, 4], compressedSize: [20, 4], size: [24, 4], nameLength: [28, 2],
    extraLength: [30, 2], commentLength: [32, 2], disk: [34, 2], externalAttributes: [38, 4], localOffset: [42, 4],
  },
  end: { disk: [4, 2], centralDisk: [6, 2], entriesHere: [8, 2], entries: [10, 2], centralSize: [12, 4], centralOffset: [16, 4], commentLength: [20, 2] },
} as const satisfies Record<string, Record<string, readonly [number, 2 | 4]>>;

interface ZipLayout {
  end: number;
  centrals: number[];
  locals: number[];
}

function layout(bytes: Uint8Array): ZipLayout | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let offset = bytes.length - 22; offset >= Math.max(0, bytes.length - 22 - 0xffff); offset--) {
    if (view.getUint32(offset, true) === EOCD) {
      end = offset;
      break;
    }
  }
  if (end < 0) return null;
  const centrals: number[] = [];
  const locals: number[] = [];
  let offset = view.getUint32(end + 16, true);
  for (let i = 0; i < view.getUint16(end + 10, true) && offset + 46 <= end && view.getUint32(offset, true) === CENTRAL; i++) {
    centrals.push(offset);
    const local = view.getUint32(offset + 42, true);
    if (local + 30 <= bytes.length && view.getUint32(local, true) === LOCAL) locals.push(local);
    offset += 46 + view.getUint16(offset + 28, true) + view.getUint16(offset + 30, true) + view.getUint16(offset + 32, true);
  }
  return { end, centrals, locals };
}

const zipHeaderField: Mutator = (input, rng) => {
  const zip = layout(input);
  if (!zip) return null;
  const kinds = (['end', ...(zip.centrals.length ? ['central'] : []), ...(zip.locals.length ? ['local'] : [])] as const).slice();
  const kind = rng.pick(kinds) as keyof typeof FIELDS;
  const base = kind === 'end' ? zip.end : rng.pick(kind === 'central' ? zip.centrals : zip.locals);
  const fields = FIELDS[kind] as Record<string, readonly [number, 2 | 4]>;
  const field = rng.pick(Object.keys(fields));
  const [offset, width] = fields[field];
  const bytes = input.slice();
  const view = new DataView(bytes.buffer);
  const current = width === 2 ? view.getUint16(base + offset, true) : view.getUint32(base + offset, true);
  const special =
    field === 'method' ? [0, 1, 6, 8, 9, 12, 14, 99] : field === 'flags' ? [0x1, 0x8, 0x41, 0x800, 0xffff] : field === 'externalAttributes' ? [0o120777 << 16, 0o010644 << 16, 0o060644 << 16, 0o040755 << 16] : [];
  const value = rng.pick([...special, ...INTERESTING_U32, current + 1, current - 1, current * 2, rng.int(input.length)]);
  if (width === 2) view.setUint16(base + offset, value & 0xffff, true);
  else view.setUint32(base + offset, value >>> 0, true);
  return { bytes, label: `zip-${kind}@${base}.${field}=${width === 2 ? value & 0xffff : value >>> 0}` };
};

/** Garbage before the first header (a self-extractor's stub) or after the end record. */
const zipWrapping: Mutator = (input, rng) => {
  if (!layout(input)) return null;
  const garbage = rng.bytes(rng.pick([1, 22, 100, 70000]));
  return rng.chance(0.5) ? { bytes: concat(garbage, input), label: `zip-prefix+${garbage.length}` } : { bytes: concat(input, garbage), label: `zip-suffix+${garbage.length}` };
};

/** The archive's entries with their contents, when every one can be read back. */
function readEntries(input: Uint8Array): ZipFixtureEntry[] | null {
  const zip = layout(input);
  if (!zip || zip.centrals.length === 0) return null;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const entries: ZipFixtureEntry[] = [];
  let total = 0;
  for (const central of zip.centrals) {
    const nameLength = view.getUint16(central + 28, true);
    const name = new TextDecoder().decode(input.subarray(central + 46, central + 46 + nameLength));
    const local = view.getUint32(central + 42, true);
    if (local + 30 > input.length) return null;
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const stored = input.subarray(start, start + view.getUint32(central + 20, true));
    const method = view.getUint16(central + 10, true);
    try {
      const data = method === 0 ? stored.slice() : method === 8 ? new Uint8Array(inflateRawSync(stored, { maxOutputLength: REWRITE_MAX_BYTES })) : null;
      total += data?.length ?? 0;
      // Rewriting a zip bomb's 40 MB costs more than it teaches: its headers are mutated instead.
      if (!data || total > REWRITE_MAX_BYTES) return null;
      entries.push({ name, data, deflate: method === 8, unixMode: view.getUint32(central + 38, true) >>> 16 || undefined });
    } catch {
      return null;
    }
  }
  return entries;
}

const HOSTILE_NAMES = ['../escape.obj', '../../renderbay-fuzz.txt', '/tmp/renderbay-fuzz.obj', 'a\\b.obj', 'C:/x.obj', 'C:x.obj', 'x/../../y.obj', '', './scan.obj', 'a//b.obj', 'scan.obj/', `${'d/'.repeat(200)}x.obj`, '\u0001.obj', 'ü/モデル.obj', 'x:y.mtl', '.', 'model.OBJ', 'inner.zip'];

/** OBJ lines that lie: indices past the end, negative or zero; vertices that are not numbers; hostile mtllib. */
const OBJ_LINES = [
  'f 1 2 2147483648', 'f 0 0 0', 'f -1 -2 -99999', 'f 1/999999/1 2/2/2 3/3/3', 'f 1//1 2//2 3//99', 'f 1', 'f 1 2 3 4 5 6 7 8 9 10 11 12',
  'v nan inf -inf', 'v 1e999 0 0', 'v 1 2', 'v a b c', 'vt 1e999 nan', 'vn 0 0 0', 'mtllib ../../etc/passwd', 'mtllib /etc/passwd', 'mtllib scan.mtl scan.mtl scan.mtl',
  'usemtl nothing-by-this-name', 'g', 'o', 's off', 'l 1 2 99999', 'p -5', '\u0000\u0001\u0002', 'f 1 1 1',
];
const MTL_LINES = [
  'map_Kd ../../../etc/passwd', 'map_Kd /etc/hostname', 'map_Kd -s 1e999 1 1 scan_texture.jpg', 'map_Kd -o', 'map_Kd C:\\scans\\scan_texture.jpg', 'map_Kd scan.obj',
  'map_Kd scan.mtl', 'map_Bump -bm nan scan_texture.jpg', 'newmtl', 'Kd nan nan nan', 'd -1', 'Ns 1e999', 'map_Kd "quoted name.jpg"', 'map_d scan_texture.jpg',
];

function mutateText(text: string, lines: readonly string[], rng: Rng): { text: string; label: string } {
  const rows = text.split('\n');
  const operation = rng.pick(['insert', 'insert', 'replace', 'delete', 'repeat', 'cut']);
  const at = rng.int(rows.length);
  if (operation === 'insert' || operation === 'replace') {
    const line = rng.pick(lines);
    rows.splice(at, operation === 'replace' ? 1 : 0, line);
    return { text: rows.join('\n'), label: `${operation} ${JSON.stringify(line)}` };
  }
  if (operation === 'delete') return { text: rows.filter((_, index) => index !== at).join('\n'), label: `delete-line ${at}` };
  if (operation === 'repeat') {
    const times = rng.pick([10, 1000, 50000]);
    rows.splice(at, 0, ...Array<string>(times).fill(rows[at]));
    return { text: rows.join('\n'), label: `repeat-line ${at}×${times}` };
  }
  const cut = rng.int(text.length);
  return { text: text.slice(0, cut), label: `cut@${cut}` };
}

/** One file inside the archive, mutated by its kind. */
function mutateContent(entry: ZipFixtureEntry, rng: Rng): string | null {
  const data = typeof entry.data === 'string' ? new TextEncoder().encode(entry.data) : entry.data;
  const name = entry.name.toLowerCase();
  const text = () => new TextDecoder('latin1').decode(data);
  if (name.endsWith('.gltf')) {
    const mutated = mutateJsonText(text(), rng);
    if (!mutated) return null;
    entry.data = mutated.text;
    return `json(${mutated.label})`;
  }
  if (name.endsWith('.obj') || name.endsWith('.mtl')) {
    const mutated = mutateText(text(), name.endsWith('.obj') ? OBJ_LINES : MTL_LINES, rng);
    entry.data = Buffer.from(mutated.text, 'latin1');
    return mutated.label;
  }
  const mutated = (rng.chance(0.7) ? bitFlips : truncate)(data, rng);
  if (!mutated) return null;
  entry.data = mutated.bytes;
  return mutated.label;
}

/** The archive rewritten entry by entry (with consistent headers) after one change to its entries. */
const zipEntries: Mutator = (input, rng) => {
  const entries = readEntries(input);
  if (!entries || entries.length === 0) return null;
  const index = rng.int(entries.length);
  const target = entries[index];
  let label: string | null;
  switch (rng.pick(['rename', 'content', 'content', 'content', 'add', 'drop'])) {
    case 'rename':
      target.name = rng.chance(0.2) ? entries[(index + 1) % entries.length].name : rng.pick(HOSTILE_NAMES);
      label = `rename ${JSON.stringify(target.name).slice(0, 40)}`;
      break;
    case 'content':
      label = mutateContent(target, rng);
      label = label && `${target.name}: ${label}`;
      break;
    case 'add': {
      const extra = rng.pick<() => ZipFixtureEntry[]>([
        () => [{ name: 'link.jpg', data: '/etc/passwd', unixMode: 0o120777, deflate: false }],
        () => [{ name: 'fifo.obj', data: '', unixMode: 0o010644 }],
        () => [{ name: 'inner.jpg', data: zipFixture([{ name: 'a.obj', data: 'v 0 0 0' }]), deflate: false }],
        () => [{ name: target.name, data: 'again' }],
        () => [{ name: 'lies.obj', data: 'v 0 0 0\n'.repeat(20000), declaredSize: rng.pick([0, 1, 0xffffffff]) }],
        () => Array.from({ length: 1001 }, (_, n) => ({ name: `tiles/${n}.mtl`, data: `newmtl m${n}` })),
        () => [{ name: 'empty-folder/', data: '' }],
        () => [{ name: 'second.obj', data: 'v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n' }],
        () => [{ name: 'second.gltf', data: '{"asset":{"version":"2.0"}}' }],
      ])();
      entries.splice(rng.int(entries.length + 1), 0, ...extra);
      label = `add ${JSON.stringify(extra[0].name)}${extra.length > 1 ? `×${extra.length}` : ''}`;
      break;
    }
    default:
      entries.splice(index, 1);
      label = `drop ${JSON.stringify(target.name)}`;
  }
  return label === null ? null : { bytes: zipFixture(entries), label };
};

export const ZIP_MUTATORS: readonly Mutator[] = [zipHeaderField, zipHeaderField, zipWrapping, zipEntries, zipEntries, zipEntries];
