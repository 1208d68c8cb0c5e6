// Builds the analyst console (dashboards/console/src → dashboards/console/dist): one ES module
// bundle (app.js), one stylesheet (app.css) and index.html with content hashes in the asset
// URLs, so a new build is fetched despite long cache lifetimes. Deterministic: the same sources
// give byte-identical output (no timestamps, no absolute paths, sorted inputs).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'dashboards/console/src');
const out = join(root, 'dashboards/console/dist');

function hash(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 12);
}

export async function buildConsole(outDir: string = out): Promise<{ files: string[] }> {
  const started = Date.now();
  const [js, css] = await Promise.all([
    build({
      entryPoints: [join(src, 'main.ts')],
      bundle: true,
      format: 'esm',
      target: ['chrome110', 'firefox110', 'safari16'],
      minify: true,
      legalComments: 'none',
      charset: 'utf8',
      write: false,
      absWorkingDir: root,
      logLevel: 'silent',
    }),
    build({ entryPoints: [join(src, 'app.css')], bundle: true, minify: true, charset: 'utf8', write: false, absWorkingDir: root, logLevel: 'silent' }),
  ]);
  const jsBytes = js.outputFiles[0].contents;
  const cssBytes = css.outputFiles[0].contents;
  const html = readFileSync(join(src, 'index.html'), 'utf8').replace('__HASH_JS__', hash(jsBytes)).replace('__HASH_CSS__', hash(cssBytes));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'app.js'), jsBytes);
  writeFileSync(join(outDir, 'app.css'), cssBytes);
  writeFileSync(join(outDir, 'index.html'), html);
  if (process.env.VIGIL_BUILD_QUIET !== '1') {
    process.stdout.write(`console built in ${Date.now() - started} ms: ${outDir} (app.js ${jsBytes.length} B, app.css ${cssBytes.length} B)\n`);
  }
  return { files: ['index.html', 'app.js', 'app.css'] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildConsole().catch((err: unknown) => {
    process.stderr.write(`console build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
