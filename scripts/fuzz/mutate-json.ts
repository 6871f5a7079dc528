/**
 * glTF JSON mutations, for a .gltf, a GLB's JSON chunk or a .gltf inside an archive:
 * broken syntax (a bracket deleted or doubled, cut off), and valid JSON that lies — huge
 * numbers, wrong types, huge counts and byte lengths, references to nothing or to
 * themselves (cycles), bogus URIs, deep nesting, required extensions we cannot decode.
 */
import type { Rng } from './rng.js';

export interface JsonMutation {
  text: string;
  label: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Slot = { parent: Json[] | { [key: string]: Json }; key: string | number; path: string };

const HUGE_NUMBERS = [1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53 + 2, -1, -(2 ** 31), 0, 0.5, 1e21, 4294967295, 1e-320];
const WRONG_TYPES: Json[] = [null, true, 'x', '', [], {}, [[]], { '0': 0 }, -1, 0, 1e308, '../../etc/passwd'];
/** Fields whose values are lengths, offsets, counts or indices: where lies hurt readers most. */
const SIZE_FIELDS = new Set([
  'count', 'byteLength', 'byteOffset', 'byteStride', 'componentType', 'bufferView', 'buffer', 'mesh', 'source', 'sampler', 'index',
  'input', 'output', 'node', 'skin', 'camera', 'scene', 'material', 'indices', 'POSITION', 'NORMAL', 'TEXCOORD_0', 'texCoord',
  'mode', 'inverseBindMatrices', 'skeleton', 'width', 'height',
]);
const BOGUS_URIS = [
  '', 'data:', 'data:application/octet-stream;base64,!!!!', 'data:;base64,', 'data:image/png;base64,AAAA', '%zz', '%00', '../model.bin',
  '../../etc/passwd', '/etc/passwd', 'file:///etc/passwd', 'http://127.0.0.1:9/model.bin', 'C:\\model.bin', 'a\u0000b.bin', 'x.bin?y#z',
  'missing.bin', 'textures/../../x.png', `${'a/'.repeat(2000)}x.bin`, 'data:text/plain,%E0%A4%A',
];
const EXTENSION_NAMES = ['KHR_texture_basisu', 'KHR_draco_mesh_compression', 'EXT_meshopt_compression', 'KHR_mesh_quantization', 'EXT_texture_webp', 'X_renderbay_unknown', 'KHR_materials_variants'];

/** Every value inside `root` with where it sits; iterative, as a chain of mutations may have nested it thousands deep. */
function slots(root: Json): Slot[] {
  const found: Slot[] = [];
  const pending: { value: Json; path: string }[] = [{ value: root, path: '' }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path } = next;
    if (!value || typeof value !== 'object') continue;
    const entries: [string | number, Json][] = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
    for (const [key, item] of entries) {
      found.push({ parent: value, key, path: `${path}/${key}` });
      pending.push({ value: item, path: `${path}/${key}` });
    }
  }
  return found;
}

const get = (slot: Slot): Json => (slot.parent as Record<string | number, Json>)[slot.key];
const set = (slot: Slot, value: Json) => ((slot.parent as Record<string | number, Json>)[slot.key] = value);

/** Tree mutations: each edits `root` in place and returns its label, or null when it found nothing to edit. */
const TREE_MUTATIONS: ReadonlyArray<(root: { [key: string]: Json }, rng: Rng, raw: Map<string, string>) => string | null> = [
  function wrongType(root, rng) {
    const slot = rng.pick(slots(root));
    if (!slot) return null;
    set(slot, rng.pick(WRONG_TYPES));
    return `wrong-type ${slot.path}`;
  },
  function hugeNumber(root, rng) {
    const numbers = slots(root).filter((slot) => typeof get(slot) === 'number');
    if (numbers.length === 0) return null;
    const slot = rng.pick(numbers);
    set(slot, rng.pick(HUGE_NUMBERS));
    return `huge-number ${slot.path}`;
  },
  function sizeField(root, rng) {
    const sizes = slots(root).filter((slot) => SIZE_FIELDS.has(String(slot.key)));
    if (sizes.length === 0) return null;
    const slot = rng.pick(sizes);
    const value = get(slot);
    set(slot, rng.pick([...HUGE_NUMBERS, typeof value === 'number' ? value + 1 : 1, typeof value === 'number' ? value - 1 : 0, 1e6, 1e9]));
    return `size ${slot.path}`;
  },
  function reference(root, rng) {
    // An index pointing elsewhere: a node at itself or its parent makes a cycle.
    const nodes = root.nodes;
    if (Array.isArray(nodes) && nodes.length > 0 && rng.chance(0.5)) {
      const index = rng.int(nodes.length);
      const node = nodes[index];
      if (node && typeof node === 'object' && !Array.isArray(node)) {
        node.children = rng.pick([[index], [0], [index, index], [nodes.length], [0, index]]);
        return `node-cycle /nodes/${index}`;
      }
    }
    const indices = slots(root).filter((slot) => typeof get(slot) === 'number' && Number.isInteger(get(slot)));
    if (indices.length === 0) return null;
    const slot = rng.pick(indices);
    set(slot, rng.int(4));
    return `reference ${slot.path}`;
  },
  function bogusUri(root, rng) {
    const holders = [...((Array.isArray(root.buffers) ? root.buffers : []) as Json[]), ...((Array.isArray(root.images) ? root.images : []) as Json[])].filter(
      (item): item is { [key: string]: Json } => !!item && typeof item === 'object' && !Array.isArray(item),
    );
    if (holders.length === 0) return null;
    const holder = rng.pick(holders);
    holder.uri = rng.pick(BOGUS_URIS);
    return `uri ${JSON.stringify(holder.uri).slice(0, 40)}`;
  },
  function deleteKey(root, rng) {
    const keyed = slots(root).filter((slot) => typeof slot.key === 'string');
    if (keyed.length === 0) return null;
    const slot = rng.pick(keyed);
    delete (slot.parent as Record<string, Json>)[slot.key];
    return `delete ${slot.path}`;
  },
  function duplicateItem(root, rng) {
    const arrays = slots(root).filter((slot) => Array.isArray(get(slot)) && (get(slot) as Json[]).length > 0);
    if (arrays.length === 0) return null;
    const slot = rng.pick(arrays);
    const items = get(slot) as Json[];
    const copies = rng.pick([1, 1, 100, 20000]);
    const item = items[rng.int(items.length)];
    for (let i = 0; i < copies; i++) items.push(structuredClone(item));
    return `duplicate×${copies} ${slot.path}`;
  },
  function deepNesting(root, rng, raw) {
    // Written as text: JSON.stringify of a value this deep would overflow the stack here.
    const slot = rng.pick(slots(root));
    if (!slot) return null;
    const depth = rng.pick([100, 5000, 50000]);
    const [open, close] = rng.chance(0.5) ? ['[', ']'] : ['{"a":', '}'];
    const marker = `renderbay-fuzz-nest-${raw.size}`;
    raw.set(JSON.stringify(marker), `${open.repeat(depth)}0${close.repeat(depth)}`);
    set(slot, marker);
    return `nest×${depth} ${slot.path}`;
  },
  function requiredExtension(root, rng) {
    const name = rng.pick(EXTENSION_NAMES);
    root.extensionsUsed = [...(Array.isArray(root.extensionsUsed) ? root.extensionsUsed : []), name];
    if (rng.chance(0.7)) root.extensionsRequired = [...(Array.isArray(root.extensionsRequired) ? root.extensionsRequired : []), name];
    return `extension ${name}`;
  },
];

/** Text mutations: broken syntax. */
const TEXT_MUTATIONS: ReadonlyArray<(text: string, rng: Rng) => JsonMutation | null> = [
  function deleteBracket(text, rng) {
    const at = randomMatch(text, /[[\]{}]/g, rng);
    return at === null ? null : { text: text.slice(0, at) + text.slice(at + 1), label: `delete '${text[at]}'@${at}` };
  },
  function duplicateBracket(text, rng) {
    const at = randomMatch(text, /[[\]{}]/g, rng);
    return at === null ? null : { text: text.slice(0, at) + text[at] + text.slice(at), label: `double '${text[at]}'@${at}` };
  },
  function deleteQuote(text, rng) {
    const at = randomMatch(text, /"/g, rng);
    return at === null ? null : { text: text.slice(0, at) + text.slice(at + 1), label: `delete '"'@${at}` };
  },
  function hugeLiteral(text, rng) {
    const at = randomMatch(text, /-?\d+(\.\d+)?([eE][+-]?\d+)?/g, rng);
    if (at === null) return null;
    const end = at + /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at))![0].length;
    const literal = rng.pick(['1e999', '-1e999', '99999999999999999999999', '1' + '0'.repeat(400), '-0', '4294967296', '0.' + '0'.repeat(400) + '1']);
    return { text: text.slice(0, at) + literal + text.slice(end), label: `literal ${literal.slice(0, 12)}@${at}` };
  },
  function cut(text, rng) {
    const at = rng.int(text.length);
    return { text: text.slice(0, at), label: `cut@${at}` };
  },
];

function randomMatch(text: string, pattern: RegExp, rng: Rng): number | null {
  const positions = [...text.matchAll(pattern)].map((match) => match.index!);
  return positions.length === 0 ? null : rng.pick(positions);
}

/** One mutation of glTF JSON text: broken syntax a quarter of the time, valid JSON that lies otherwise. */
export function mutateJsonText(text: string, rng: Rng): JsonMutation | null {
  let root: Json = null;
  try {
    root = JSON.parse(text) as Json;
  } catch {
    /* broken already: text mutations only */
  }
  if (rng.chance(0.25) || !root || typeof root !== 'object' || Array.isArray(root)) {
    return rng.pick(TEXT_MUTATIONS)(text, rng);
  }
  const raw = new Map<string, string>();
  let label: string | null;
  let mutated: string;
  try {
    label = rng.pick(TREE_MUTATIONS)(root, rng, raw);
    mutated = JSON.stringify(root);
  } catch {
    return rng.pick(TEXT_MUTATIONS)(text, rng); // nested too deep to copy or write back (an earlier mutation): text mutations only
  }
  if (label === null) return null;
  for (const [marker, nested] of raw) mutated = mutated.replace(marker, () => nested);
  return { text: mutated, label };
}
