// Reads the repository for the deploy tests: YAML documents, Dockerfiles, and what the C# code really maps/binds.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const deployDir = join(root, 'deploy');

export const read = (path) => readFileSync(join(root, path), 'utf8');
export const exists = (path) => existsSync(join(root, path));

/** Every file under `dir` (repository-relative), recursively. */
export function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(join(root, dir))) {
    const path = join(dir, entry);
    if (statSync(join(root, path)).isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

/** All documents of a YAML file as plain objects; throws with the file name on any parse error or warning. */
export function yamlDocuments(path) {
  const docs = parseAllDocuments(read(path), { prettyErrors: true, strict: true, uniqueKeys: true, merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    if (doc.warnings.length) throw new Error(`${path}: ${doc.warnings.map((e) => e.message).join('; ')}`);
  }
  return list.map((d) => d.toJS({ maxAliasCount: 100 })).filter((d) => d !== null && d !== undefined);
}

/** Kubernetes objects of deploy/k8s, each with the file it came from. */
export function k8sObjects() {
  return listFiles('deploy/k8s')
    .filter((f) => /\.ya?ml$/.test(f) && !f.endsWith('kustomization.yaml'))
    .flatMap((file) => yamlDocuments(file).map((doc) => ({ ...doc, file })));
}

/** A Dockerfile's stages: [{ from, as, lines: [{instr, args}] }]. Continuation lines joined. */
export function dockerStages(path) {
  const text = read(path).replace(/\\\n/g, ' ');
  const stages = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [instr, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (instr.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args);
      stages.push({ from: m[1], as: m[2], lines: [] });
    } else {
      if (!stages.length) throw new Error(`${path}: ${instr} before FROM`);
      stages.at(-1).lines.push({ instr: instr.toUpperCase(), args });
    }
  }
  return stages;
}

const csFiles = (dir) => listFiles(dir).filter((f) => f.endsWith('.cs') && !/\/(bin|obj)\//.test(f));

/** Route patterns a program maps: Map*("…") calls in its own folder and the libraries it hosts. */
export function mappedRoutes(dirs) {
  const routes = new Set();
  for (const file of dirs.flatMap(csFiles)) {
    for (const m of read(file).matchAll(/\.Map(?:ImRelay|ImRelayHealth|PrometheusMetrics|Get|Post|Put|Delete|Group)?\(\s*"([^"]+)"/g)) routes.add(m[1]);
  }
  return routes;
}

/** The settable public properties of an options class, by file. */
export function optionKeys(path) {
  return new Set([...read(path).matchAll(/public\s+[\w?<>\[\], ]+\s+(\w+)\s*\{\s*get;\s*set;/g)].map((m) => m[1]));
}

export const rel = (p) => relative(root, p);
