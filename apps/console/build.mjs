// Bundles the admin console (apps/console) into dist/console: index.html plus one hashed JS and one hashed CSS
// file under assets/ (the command serves them under /console, docs/console.md). Run by scripts/build.
import { mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..', '..', 'dist', 'console');
const assetsDir = join(outDir, 'assets');

rmSync(outDir, { recursive: true, force: true });
mkdirSync(assetsDir, { recursive: true });

const result = await build({
  entryPoints: { console: join(here, 'src', 'main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  outdir: assetsDir,
  metafile: true,
  logLevel: 'warning',
  tsconfig: join(here, 'tsconfig.json'),
});

const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const js = outputs.find((file) => file.endsWith('.js'));
const css = outputs.find((file) => file.endsWith('.css'));
if (js === undefined || css === undefined) {
  throw new Error(`expected one JS and one CSS bundle, got ${outputs.join(', ')}`);
}
const page = readFileSync(join(here, 'index.html'), 'utf8').replace('%JS%', js).replace('%CSS%', css);
writeFileSync(join(outDir, 'index.html'), page);

const size = (file) => `${(statSync(join(assetsDir, file)).size / 1024).toFixed(1)} KiB`;
process.stdout.write(`[console] dist/console: ${js} ${size(js)}, ${css} ${size(css)}\n`);
