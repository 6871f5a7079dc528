/**
 * Bundles the portal's front end (src/portal/web: Preact + htm, three.js for the 3D view in a
 * chunk of its own, loaded only on a model page) with esbuild into dist/portal-assets/, names
 * content-hashed so the server can cache them forever, plus .br and .gz copies for browsers that
 * take them and manifest.json naming the entry files. Run by `npm run build` after tsc.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const OUT = path.resolve('dist/portal-assets');
await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });

const result = await build({
  entryPoints: { app: 'src/portal/web/main.ts', portal: 'src/portal/web/portal.css' },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  minify: true,
  sourcemap: 'linked',
  target: ['chrome100', 'firefox100', 'safari15'],
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const manifest = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (output.entryPoint === 'src/portal/web/main.ts') manifest.script = path.basename(file);
  if (output.entryPoint === 'src/portal/web/portal.css') manifest.style = path.basename(file);
}
await writeFile(path.join(OUT, 'manifest.json'), JSON.stringify(manifest, null, 2));

let total = 0;
for (const name of await readdir(OUT)) {
  if (!/\.(js|css)$/.test(name)) continue;
  const bytes = await readFile(path.join(OUT, name));
  await writeFile(path.join(OUT, `${name}.br`), brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  await writeFile(path.join(OUT, `${name}.gz`), gzipSync(bytes, { level: 9 }));
  total += bytes.length;
}
console.log(`portal front end: ${Object.keys(result.metafile.outputs).length} files, ${(total / 1024).toFixed(0)} KiB of JS/CSS in dist/portal-assets (${manifest.script}, ${manifest.style})`);
