// Dockerfiles, compose and Kubernetes refer to things the code really has: projects, assemblies, ports, routes,
// configuration keys, imctl commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { read, exists, yamlDocuments, k8sObjects, dockerStages, mappedRoutes, optionKeys } from './support/repo.mjs';

const compose = yamlDocuments('deploy/compose/compose.yaml')[0];

/** image name (without tag) → what its Dockerfile builds, from compose's build sections. */
const built = new Map();
for (const [name, svc] of Object.entries(compose.services)) {
  if (!svc.build) continue;
  const dockerfile = `deploy/compose/${svc.build.context}/${svc.build.dockerfile}`.replace(/deploy\/compose\/\.\.\/\.\.\//, '');
  built.set(svc.image.split(':')[0], { dockerfile, service: name });
}
const thirdParty = /^(redis|nginx):[\w.-]+$/;

const programs = {
  'retroim/imserver': { dirs: ['ImServer/RetroIm.ImServer', 'ImServer/RetroIm.Relay'], dll: 'RetroIm.ImServer.dll' },
  'retroim/webapi': { dirs: ['WebApi/RetroIm.WebApi', 'ImServer/RetroIm.Relay'], dll: 'RetroIm.WebApi.dll' },
};

const finalStage = (file) => dockerStages(file).at(-1);
const exposed = (file) => Number(finalStage(file).lines.find((l) => l.instr === 'EXPOSE').args);

test('compose builds both programs from Dockerfiles that exist', () => {
  assert.deepEqual([...built.keys()].sort(), Object.keys(programs).sort());
  for (const { dockerfile } of built.values()) assert.ok(exists(dockerfile), dockerfile);
});

for (const [image, program] of Object.entries(programs)) {
  test(`${image}: multi-stage, ASP.NET runtime image, non-root, runs the published program`, () => {
    const { dockerfile } = built.get(image);
    const stages = dockerStages(dockerfile);
    assert.ok(stages.length >= 2, 'multi-stage');
    assert.match(stages[0].from, /^mcr\.microsoft\.com\/dotnet\/sdk:10\.0/);
    const last = stages.at(-1);
    assert.match(last.from, /^mcr\.microsoft\.com\/dotnet\/aspnet:10\.0/);
    const user = last.lines.filter((l) => l.instr === 'USER').at(-1);
    assert.ok(user && !/^(root|0)(:|$)/.test(user.args), 'the runtime stage runs as a non-root USER');
    const entry = JSON.parse(last.lines.find((l) => l.instr === 'ENTRYPOINT').args);
    assert.equal(entry[0], 'dotnet');
    assert.ok(entry[1].endsWith('/' + program.dll));
    const ports = last.lines.find((l) => l.instr === 'ENV' && l.args.includes('ASPNETCORE_HTTP_PORTS'));
    assert.match(ports.args, new RegExp(`ASPNETCORE_HTTP_PORTS=${exposed(dockerfile)}\\b`), 'listens where it EXPOSEs');
  });

  test(`${image}: every COPY source and published project exists`, () => {
    const { dockerfile } = built.get(image);
    for (const stage of dockerStages(dockerfile)) {
      for (const l of stage.lines) {
        if (l.instr === 'COPY' && !l.args.includes('--from')) {
          const parts = l.args.split(/\s+/).filter((p) => !p.startsWith('--'));
          for (const src of parts.slice(0, -1)) assert.ok(exists(src.replace(/\/$/, '')), `${dockerfile}: COPY ${src}`);
        }
        if (l.instr === 'RUN') {
          for (const m of l.args.matchAll(/dotnet (?:publish|restore) (\S+\.csproj)/g)) assert.ok(exists(m[1]), m[1]);
        }
      }
    }
  });
}

test('compose: ImServer nodes each advertise a distinct URL nginx routes to them, and their keys exist', () => {
  const relayKeys = optionKeys('ImServer/RetroIm.Relay/ImRelayOptions.cs');
  const nginx = read('deploy/compose/nginx.conf');
  const nodes = Object.entries(compose.services).filter(([, s]) => s.image?.startsWith('retroim/imserver'));
  assert.equal(nodes.length, 3);
  const urls = new Set();
  for (const [name, svc] of nodes) {
    for (const key of Object.keys(svc.environment)) {
      const [section, prop] = key.split('__');
      assert.equal(section, 'ImServer', key);
      assert.ok(relayKeys.has(prop), `${name}: ImServer:${prop} is not in ImRelayOptions`);
    }
    const url = new URL(svc.environment.ImServer__Server);
    urls.add(url.href);
    const port = exposed(built.get('retroim/imserver').dockerfile);
    const location = new RegExp(`location ${url.pathname}/ \\{[^}]*proxy_pass http://${name}:${port}/;`);
    assert.match(nginx, location, `nginx routes ${url.pathname}/ to ${name}:${port}`);
    assert.equal(url.port || '80', String(compose.services.nginx.ports[0]).split(':')[0], 'the URL goes through nginx');
  }
  assert.equal(urls.size, 3);
});

test('compose: Redis keeps an append-only file; WebApi keys exist; nginx proxies WebSocket upgrades', () => {
  assert.ok(compose.services.redis.command.includes('--appendonly') && compose.services.redis.command.includes('yes'));
  const helperKeys = optionKeys('ImServer/RetroIm.Im/ImHelperOptions.cs');
  const retroKeys = optionKeys('WebApi/RetroIm.WebApi/Hosting/RetroOptions.cs');
  for (const key of Object.keys(compose.services.webapi.environment)) {
    const [section, prop] = key.split('__');
    assert.ok((section === 'ImHelper' && helperKeys.has(prop)) || (section === 'Retro' && retroKeys.has(prop)), key);
  }
  const ws = read('deploy/compose/websocket.conf');
  assert.match(ws, /proxy_http_version 1\.1;/);
  assert.match(ws, /proxy_set_header Upgrade \$http_upgrade;/);
  assert.match(ws, /proxy_set_header Connection \$connection_upgrade;/);
  for (const v of compose.services.nginx.volumes) assert.ok(exists('deploy/compose/' + v.split(':')[0].replace('./', '')), v);
  for (const [name, svc] of Object.entries(compose.services)) {
    for (const dep of Object.keys(Array.isArray(svc.depends_on) ? Object.fromEntries(svc.depends_on.map((d) => [d, 1])) : svc.depends_on ?? {})) {
      assert.ok(compose.services[dep], `${name} depends on unknown ${dep}`);
    }
  }
});

test('every image in compose and Kubernetes is one the Dockerfiles build or a pinned third-party image', () => {
  const all = [
    ...Object.values(compose.services).map((s) => s.image),
    ...k8sObjects().filter((o) => o.spec?.template).flatMap((o) => o.spec.template.spec.containers.map((c) => c.image)),
  ];
  for (const image of all) assert.ok(built.has(image.split(':')[0]) || thirdParty.test(image), image);
});

test('Kubernetes: container ports, probe paths and config keys of our programs exist in the code', () => {
  const keysBySection = {
    ImServer: optionKeys('ImServer/RetroIm.Relay/ImRelayOptions.cs'),
    ImHelper: optionKeys('ImServer/RetroIm.Im/ImHelperOptions.cs'),
    Retro: optionKeys('WebApi/RetroIm.WebApi/Hosting/RetroOptions.cs'),
  };
  const imctl = read('ImServer/RetroIm.ImCtl/ImCtlCli.cs');
  let checkedProbes = 0;
  for (const w of k8sObjects().filter((o) => o.spec?.template)) {
    for (const c of w.spec.template.spec.containers) {
      const image = c.image.split(':')[0];
      const program = programs[image];
      if (!program) continue;
      const port = exposed(built.get(image).dockerfile);
      assert.deepEqual(c.ports.map((p) => p.containerPort), [port], `${w.metadata.name}: listens on ${port}`);
      const routes = mappedRoutes(program.dirs);
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter((p) => p?.httpGet)) {
        assert.ok(routes.has(probe.httpGet.path), `${w.metadata.name}: ${probe.httpGet.path} is not mapped (${[...routes].join(' ')})`);
        checkedProbes++;
      }
      const scrape = w.spec.template.metadata.annotations?.['prometheus.io/path'];
      if (scrape) assert.ok(routes.has(scrape), `${w.metadata.name}: ${scrape} is not mapped`);
      for (const e of c.env ?? []) {
        if (e.name === 'POD_NAME') continue;
        if (e.name === 'IMCTL_REDIS') { assert.match(imctl, /"IMCTL_REDIS"/); continue; }
        const [section, prop] = e.name.split('__');
        assert.ok(keysBySection[section]?.has(prop), `${w.metadata.name}: ${e.name} binds to nothing`);
      }
    }
  }
  assert.ok(checkedProbes >= 2);
});

test('Kubernetes: ImServer drains before it stops, with an imctl the image ships', () => {
  const sts = k8sObjects().find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'imserver');
  const c = sts.spec.template.spec.containers[0];
  assert.equal(c.readinessProbe.httpGet.path, '/health');
  const preStop = c.lifecycle.preStop.exec.command.join(' ');
  const [, dll, command] = /dotnet (\S+) (\w+)/.exec(preStop);
  // The Dockerfile copies imctl's publish output to ./imctl/ under WORKDIR /app.
  const last = dockerStages(built.get('retroim/imserver').dockerfile).at(-1);
  assert.equal(last.lines.find((l) => l.instr === 'WORKDIR').args, '/app');
  assert.ok(last.lines.some((l) => l.instr === 'COPY' && /\/out\/imctl\/ \.\/imctl\/$/.test(l.args)));
  assert.equal(dll, '/app/imctl/imctl.dll');
  assert.match(read('ImServer/RetroIm.ImCtl/RetroIm.ImCtl.csproj'), /<AssemblyName>imctl<\/AssemblyName>/);
  assert.match(read('ImServer/RetroIm.ImCtl/Commands/DrainCommand.cs'), new RegExp(`new Command\\("${command}"`));
  // Enough time for preStop's sleep plus the SIGTERM drain (ShutdownTimeout).
  const sleep = Number(/sleep (\d+)/.exec(preStop)[1]);
  const shutdown = c.env.find((e) => e.name === 'ImServer__ShutdownTimeout').value.split(':').reduce((a, b) => a * 60 + Number(b), 0);
  assert.ok(sts.spec.template.spec.terminationGracePeriodSeconds > sleep + shutdown);
  // Node id = pod name, and the edge routes /n/<pod>/ to that pod by its headless-Service DNS name.
  const server = c.env.find((e) => e.name === 'ImServer__Server').value;
  assert.match(server, /^wss:\/\/[^/]+\/n\/\$\(POD_NAME\)$/);
  const edge = k8sObjects().find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'edge-nginx').data['nginx.conf'];
  assert.ok(edge.includes(`(?<pod>${sts.metadata.name}-[0-9]+)`));
  assert.ok(edge.includes(`$pod.${sts.spec.serviceName}.retroim.svc.cluster.local:${c.ports[0].containerPort}`));
  assert.match(edge, /location = \/metrics \{ return 404; \}/);
});
