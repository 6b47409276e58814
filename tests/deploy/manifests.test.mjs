// Every manifest and compose file parses, and Kubernetes objects reference each other consistently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listFiles, yamlDocuments, k8sObjects, exists, read } from './support/repo.mjs';

const yamlFiles = listFiles('deploy').filter((f) => /\.ya?ml$/.test(f));

test('deploy/ has compose and Kubernetes YAML', () => {
  assert.ok(yamlFiles.includes('deploy/compose/compose.yaml'));
  assert.ok(yamlFiles.filter((f) => f.startsWith('deploy/k8s/')).length >= 4);
});

for (const file of yamlFiles) {
  test(`${file} parses (strict, unique keys)`, () => {
    assert.ok(yamlDocuments(file).length > 0);
  });
}

test('every Kubernetes object has apiVersion, kind, name and the retroim namespace', () => {
  for (const o of k8sObjects()) {
    assert.ok(o.apiVersion && o.kind && o.metadata?.name, `${o.file}: incomplete object`);
    if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'retroim', `${o.file}: ${o.kind}/${o.metadata.name}`);
  }
});

test('kustomization lists files that exist and every image it retags is used', () => {
  const [k] = yamlDocuments('deploy/k8s/kustomization.yaml');
  for (const r of k.resources) assert.ok(exists(`deploy/k8s/${r}`), r);
  const used = images();
  for (const i of k.images) assert.ok(used.some((u) => u.startsWith(i.name + ':')), `${i.name} not used`);
});

const objects = () => k8sObjects();
const workloads = () => objects().filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
const images = () => workloads().flatMap((w) => w.spec.template.spec.containers.map((c) => c.image));
const matches = (selector, labels) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

test('workload selectors match their pod labels', () => {
  for (const w of workloads()) assert.ok(matches(w.spec.selector.matchLabels, w.spec.template.metadata.labels), `${w.kind}/${w.metadata.name}`);
});

test('every Service selects a workload and its targetPort names a container port', () => {
  for (const s of objects().filter((o) => o.kind === 'Service')) {
    const w = workloads().find((x) => matches(s.spec.selector, x.spec.template.metadata.labels));
    assert.ok(w, `Service ${s.metadata.name} selects nothing`);
    const ports = w.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
    for (const p of s.spec.ports) {
      assert.ok(ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort), `Service ${s.metadata.name} targetPort ${p.targetPort}`);
    }
  }
});

test('StatefulSets name an existing headless Service', () => {
  for (const s of workloads().filter((w) => w.kind === 'StatefulSet')) {
    const svc = objects().find((o) => o.kind === 'Service' && o.metadata.name === s.spec.serviceName);
    assert.ok(svc, `${s.metadata.name}: no Service ${s.spec.serviceName}`);
  }
  const imserver = objects().find((o) => o.kind === 'Service' && o.metadata.name === 'imserver');
  assert.equal(imserver.spec.clusterIP, 'None', 'per-pod DNS needs a headless Service');
});

test('PodDisruptionBudgets and the HPA point at existing workloads', () => {
  for (const pdb of objects().filter((o) => o.kind === 'PodDisruptionBudget')) {
    assert.ok(workloads().some((w) => matches(pdb.spec.selector.matchLabels, w.spec.template.metadata.labels)), pdb.metadata.name);
  }
  const hpas = objects().filter((o) => o.kind === 'HorizontalPodAutoscaler');
  assert.ok(hpas.length >= 1);
  for (const h of hpas) {
    const t = h.spec.scaleTargetRef;
    assert.ok(workloads().some((w) => w.kind === t.kind && w.metadata.name === t.name), `${t.kind}/${t.name}`);
    assert.ok(h.spec.minReplicas <= h.spec.maxReplicas);
  }
});

test('probes use declared ports; secrets, configMaps and claims referenced exist', () => {
  const secrets = new Set(objects().filter((o) => o.kind === 'Secret').map((o) => o.metadata.name));
  const configMaps = new Set(objects().filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name));
  const claims = new Set(objects().filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata.name));
  for (const w of workloads()) {
    const pod = w.spec.template.spec;
    for (const c of pod.containers) {
      const names = new Set((c.ports ?? []).map((p) => p.name));
      const nums = new Set((c.ports ?? []).map((p) => p.containerPort));
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(Boolean)) {
        const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
        if (port !== undefined) assert.ok(names.has(port) || nums.has(port), `${w.metadata.name}/${c.name}: probe port ${port}`);
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) assert.ok(secrets.has(ref.name), `${w.metadata.name}: secret ${ref.name}`);
      }
      const volumes = [...(pod.volumes ?? []), ...(w.spec.volumeClaimTemplates ?? []).map((t) => t.metadata)];
      for (const m of c.volumeMounts ?? []) assert.ok(volumes.some((v) => v.name === m.name), `${w.metadata.name}: volume ${m.name}`);
    }
    for (const v of pod.volumes ?? []) {
      if (v.configMap) assert.ok(configMaps.has(v.configMap.name), v.configMap.name);
      if (v.persistentVolumeClaim) assert.ok(claims.has(v.persistentVolumeClaim.claimName), v.persistentVolumeClaim.claimName);
    }
  }
});

test('the Ingress routes to an existing Service port', () => {
  for (const ing of objects().filter((o) => o.kind === 'Ingress')) {
    for (const rule of ing.spec.rules) {
      for (const p of rule.http.paths) {
        const svc = objects().find((o) => o.kind === 'Service' && o.metadata.name === p.backend.service.name);
        assert.ok(svc, p.backend.service.name);
        assert.ok(svc.spec.ports.some((sp) => sp.name === p.backend.service.port.name || sp.port === p.backend.service.port.number));
      }
    }
  }
});

test('nothing in deploy/ hard-codes a password', () => {
  for (const f of yamlFiles) assert.doesNotMatch(read(f), /password=(?!…)[^,"\s]+/i, f);
});
