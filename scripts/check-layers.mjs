#!/usr/bin/env node
// Checks that every package imports only what README.md's layer table allows, and that pure
// packages import no Node built-ins and no npm packages. Exits 1 with one line per violation.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const table = readme.split('<!-- layers:start -->')[1]?.split('<!-- layers:end -->')[0];
if (table === undefined) {
  console.error('README.md has no <!-- layers:start --> … <!-- layers:end --> table');
  process.exit(1);
}

const allowed = new Map();
const pure = new Set();
for (const line of table.split('\n')) {
  const cells = line.split('|').map((cell) => cell.trim());
  const name = /^`([a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
  if (name === undefined) continue;
  const imports = (cells[3] ?? '').match(/`([a-z-]+)`/g)?.map((s) => s.slice(1, -1)) ?? [];
  allowed.set(name, new Set(imports));
  if (/\bpure\b/i.test(cells[2] ?? '')) pure.add(name);
}

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

const violations = [];
for (const name of readdirSync(join(root, 'packages'))) {
  const src = join(root, 'packages', name, 'src');
  if (!allowed.has(name)) {
    violations.push(`packages/${name}: not listed in README.md's layer table`);
    continue;
  }
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      const specifier = match[1];
      const relative = file.slice(root.length);
      if (specifier.startsWith('.')) continue;
      const internal = /^@meridian\/([a-z-]+)/.exec(specifier)?.[1];
      if (internal !== undefined) {
        if (internal !== name && !allowed.get(name).has(internal)) {
          violations.push(`${relative}: imports @meridian/${internal}, which ${name} may not import`);
        }
      } else if (pure.has(name)) {
        violations.push(`${relative}: pure package ${name} imports '${specifier}'`);
      }
    }
  }
}

// The deterministic simulator (packages/sim/src/model and src/failover, and every file it imports for a value) is
// checked for determinism by the build: no Node built-in or npm package, no timers, no Math.random,
// no Date, no process or performance — time comes from the virtual clock, randomness from the seed.
const MODEL_DIR = join(root, 'packages', 'sim', 'src', 'model');
const NONDETERMINISTIC = [
  [/\bMath\.random\b/, 'Math.random'],
  [/\bDate\b/, 'Date'],
  [/\b(?:setTimeout|setInterval|setImmediate|queueMicrotask|clearTimeout|clearInterval)\b/, 'a real timer'],
  [/\bprocess\./, 'process'],
  [/\bperformance\./, 'performance'],
];
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}
const modelSeen = new Set();
const modelQueue = [...sourceFiles(MODEL_DIR), ...sourceFiles(join(root, 'packages', 'sim', 'src', 'failover'))];
while (modelQueue.length > 0) {
  const file = modelQueue.pop();
  if (modelSeen.has(file)) continue;
  modelSeen.add(file);
  const relative = file.slice(root.length);
  const code = stripComments(readFileSync(file, 'utf8'));
  for (const [pattern, what] of NONDETERMINISTIC) {
    if (pattern.test(code)) violations.push(`${relative}: the deterministic simulator may not use ${what}`);
  }
  for (const match of code.matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s*['"]([^'"]+)['"]/gm)) {
    const [, typeOnly, specifier] = match;
    if (typeOnly !== undefined) continue;
    if (specifier.startsWith('.')) {
      modelQueue.push(join(file, '..', specifier.replace(/\.js$/, '.ts')));
    } else if (!specifier.startsWith('@meridian/')) {
      violations.push(`${relative}: the deterministic simulator may not import '${specifier}'`);
    }
  }
}

// The router as a function (packages/router/src/handler.ts) and everything it decides with touch no
// Node built-in: sockets live in server.ts and http-region-client.ts only, so tests and the simulator
// run the same routing code over the RegionClient port.
const ROUTER_FUNCTION_FILES = [
  'handler.ts',
  'route.ts',
  'classify.ts',
  'location.ts',
  'consistency.ts',
  'monitor.ts',
  'region-client.ts',
  'memory-region-client.ts',
];
for (const name of ROUTER_FUNCTION_FILES) {
  const file = join(root, 'packages', 'router', 'src', name);
  const code = stripComments(readFileSync(file, 'utf8'));
  for (const match of code.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    const specifier = match[1];
    if (!specifier.startsWith('.') && !specifier.startsWith('@meridian/'))
      violations.push(`packages/router/src/${name}: the router function may not import '${specifier}'`);
  }
  if (/\b(?:setTimeout|setInterval|setImmediate)\b|\bDate\.now\b/.test(code))
    violations.push(`packages/router/src/${name}: the router function takes time from its Clock port`);
}

if (violations.length > 0) {
  for (const violation of violations) console.error(violation);
  process.exit(1);
}
console.log(
  `layers ok: ${allowed.size} packages checked, ${modelSeen.size} deterministic simulator files, ${ROUTER_FUNCTION_FILES.length} router function files`,
);
