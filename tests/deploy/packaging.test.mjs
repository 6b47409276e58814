// The packages are ready to publish: NuGet metadata on the packable projects, an npm-ready JS SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { read, exists } from './support/repo.mjs';

const nugetProjects = ['ImServer/RetroIm.Redis/RetroIm.Redis.csproj', 'ImServer/RetroIm.Im/RetroIm.Im.csproj', 'Clients/dotnet/RetroIm.Client/RetroIm.Client.csproj'];

for (const csproj of nugetProjects) {
  test(`${csproj}: package id, description, license, readme, repository, XML docs`, () => {
    const xml = read(csproj);
    for (const tag of ['PackageId', 'Description', 'Version', 'PackageLicenseExpression', 'PackageReadmeFile', 'RepositoryUrl', 'RepositoryType']) {
      assert.match(xml, new RegExp(`<${tag}>[^<]+</${tag}>`), tag);
    }
    assert.match(xml, /<GenerateDocumentationFile>true<\/GenerateDocumentationFile>/);
    const readme = /<PackageReadmeFile>([^<]+)</.exec(xml)[1];
    assert.match(xml, new RegExp(`<None Include="${readme}" Pack="true" PackagePath="/"`));
    assert.ok(exists(csproj.replace(/[^/]+$/, readme)), readme);
  });
}

test('Clients/js/package.json: npm-ready, no dependencies, every exported and listed file exists', () => {
  const pkg = JSON.parse(read('Clients/js/package.json'));
  assert.match(pkg.name, /^@retroim\//);
  assert.match(pkg.version, /^\d+\.\d+\.\d+/);
  assert.equal(pkg.type, 'module');
  assert.ok(pkg.license && pkg.description && pkg.repository && pkg.types);
  assert.equal(pkg.dependencies, undefined, 'the SDK has no dependencies');
  const targets = Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)));
  for (const t of [pkg.main, pkg.types, ...targets]) assert.ok(exists('Clients/js/' + t.replace('./', '')), t);
  for (const f of pkg.files) assert.ok(exists('Clients/js/' + f.replace(/\/$/, '')), f);
  // Everything exported is published.
  for (const t of targets.filter((x) => x !== './package.json')) {
    const path = t.replace('./', '');
    assert.ok(pkg.files.some((f) => path === f || (f.endsWith('/') && path.startsWith(f))), `${t} is exported but not in "files"`);
  }
});
