#!/usr/bin/env node
// Validates every manifest under deploy/kubernetes against the Kubernetes 1.27 OpenAPI schemas
// (from the npm package kubernetes-models 4.3.1, which carries them as plain JSON schemas) and,
// for KServe, kustomize and prometheus-adapter, against tests/deploy/minimal-schemas.json. Objects
// are closed (additionalProperties: false) as the API server's strict field validation is, so a
// misspelt field fails as a wrong type does. Then checks what no schema can: that the pieces name
// each other correctly (Service → pod ports, HPA → Deployment and adapter metric, InferenceService
// → runtime). Last, deliberately broken copies must each be rejected.
//
// Usage: node validate_manifests.cjs SCHEMAS_DIR MANIFESTS_DIR
//   SCHEMAS_DIR: the folder scripts/install_deps.sh installs tests/deploy/package.json into.
// Run by ctest as deploy.manifests.
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

const [schemasDir, manifestsDir] = process.argv.slice(2).map((p) => p && path.resolve(p));
if (!schemasDir || !manifestsDir) {
  console.error('usage: validate_manifests.cjs SCHEMAS_DIR MANIFESTS_DIR');
  process.exit(2);
}
const modules = path.join(schemasDir, 'node_modules');
if (!fs.existsSync(path.join(modules, 'kubernetes-models', '_schemas'))) {
  console.error(`no Kubernetes schemas in ${modules}: run scripts/install_deps.sh`);
  process.exit(1);
}
const load = createRequire(path.join(schemasDir, 'package.json'));
const YAML = load('yaml');
const Ajv = load('ajv');
const addFormats = load('ajv-formats');

// kubernetes-models registers each schema through @kubernetes-models/validate's register();
// taking that over collects the schemas themselves, to be closed and compiled here.
function kubernetesSchemas() {
  const collected = new Map();
  load('@kubernetes-models/validate').register = (id, schema) => {
    if (!collected.has(id)) collected.set(id, JSON.parse(JSON.stringify(schema)));
  };
  const dir = path.join(modules, 'kubernetes-models', '_schemas');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) {
    require(path.join(dir, file)).addSchema();
  }
  return collected;
}

// additionalProperties: false wherever an object lists its properties and says nothing else.
function close(schema) {
  if (!schema || typeof schema !== 'object') return;
  if (schema.properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
  for (const child of Object.values(schema.properties || {})) close(child);
  for (const key of ['items', 'additionalProperties', 'not']) close(schema[key]);
  for (const key of ['oneOf', 'anyOf', 'allOf']) (schema[key] || []).forEach(close);
}

function makeValidator() {
  const schemas = kubernetesSchemas();
  const minimal = JSON.parse(fs.readFileSync(path.join(__dirname, 'minimal-schemas.json'), 'utf8')).schemas;
  for (const [id, schema] of Object.entries(minimal)) schemas.set(id, schema);

  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  addFormats(ajv);
  ajv.addFormat('quantity', /^[+-]?(?:\d+|\d+\.\d+|\d+\.|\.\d+)(?:[KMGTPE]i|[YZEPTGMkhdcmunpfazy]|da|[eE][+-]?\d+)?$/);
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  const byKind = new Map();
  for (const [id, schema] of schemas) {
    close(schema);
    ajv.addSchema(schema, id);
    const versions = schema.properties?.apiVersion?.enum;
    const kinds = schema.properties?.kind?.enum;
    if (versions && kinds) for (const v of versions) for (const k of kinds) byKind.set(`${v} ${k}`, id);
  }
  return { ajv, byKind, count: schemas.size };
}

const describe = (errors) =>
  errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? `: ${e.params.additionalProperty}` : ''}`);

// One parsed document: its file (relative to the manifests folder) and content.
function readManifests(dir) {
  const docs = [];
  const walk = (folder) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.yaml') || entry.name.endsWith('.yml')) {
        for (const parsed of YAML.parseAllDocuments(fs.readFileSync(full, 'utf8'))) {
          const file = path.relative(dir, full);
          if (parsed.errors.length) throw new Error(`${file}: ${parsed.errors[0].message}`);
          if (parsed.contents !== null) docs.push({ file, doc: parsed.toJS() });
        }
      }
    }
  };
  walk(dir);
  return docs;
}

function schemaErrors(validator, { file, doc }) {
  const where = `${file} ${doc?.kind ?? '?'}/${doc?.metadata?.name ?? ''}`;
  const id = validator.byKind.get(`${doc?.apiVersion} ${doc?.kind}`);
  if (!id) return [`${where}: no schema for apiVersion ${doc?.apiVersion}, kind ${doc?.kind}`];
  const errors = validator.ajv.validate(id, doc) ? [] : describe(validator.ajv.errors).map((e) => `${where}: ${e}`);
  // prometheus-adapter's rules live as YAML text inside a ConfigMap.
  if (doc.kind === 'ConfigMap' && typeof doc.data?.['config.yaml'] === 'string' && /prometheus-adapter/.test(doc.metadata?.name)) {
    const config = YAML.parse(doc.data['config.yaml']);
    if (!validator.ajv.validate('ocrserve.test.prometheus-adapter.Config', config)) {
      errors.push(...describe(validator.ajv.errors).map((e) => `${where} config.yaml: ${e}`));
    }
  }
  return errors;
}

const matches = (selector = {}, labels = {}) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

// What a schema cannot see: the manifests must name each other consistently.
function crossErrors(docs, dir) {
  const errors = [];
  const all = (kind) => docs.filter((d) => d.doc?.kind === kind).map((d) => d.doc);
  const named = (kind, name) => all(kind).find((d) => d.metadata?.name === name);
  const check = (ok, message) => ok || errors.push(message);
  const portOf = (container, port) =>
    (container.ports || []).find((p) => (typeof port === 'string' ? p.name === port : p.containerPort === port));
  const rules = all('ConfigMap')
    .filter((c) => /prometheus-adapter/.test(c.metadata?.name) && c.data?.['config.yaml'])
    .flatMap((c) => YAML.parse(c.data['config.yaml'])?.rules || []);

  for (const deployment of all('Deployment')) {
    const name = `Deployment ${deployment.metadata.name}`;
    const pod = deployment.spec?.template || {};
    const labels = pod.metadata?.labels;
    check(matches(deployment.spec?.selector?.matchLabels, labels), `${name}: selector does not match the pod template's labels`);
    const containers = pod.spec?.containers || [];
    const volumes = new Map((pod.spec?.volumes || []).map((v) => [v.name, v]));
    for (const volume of volumes.values()) {
      if (volume.configMap) check(named('ConfigMap', volume.configMap.name), `${name}: volume ${volume.name} names ConfigMap ${volume.configMap.name}, which is not here`);
    }
    for (const c of containers) {
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const port = c[probe]?.httpGet?.port;
        if (port !== undefined) check(portOf(c, port), `${name}: ${c.name}.${probe} uses port ${port}, which the container does not declare`);
      }
      for (const mount of c.volumeMounts || []) check(volumes.has(mount.name), `${name}: ${c.name} mounts volume ${mount.name}, which the pod does not have`);
    }
    const scrapePort = pod.metadata?.annotations?.['prometheus.io/port'];
    if (scrapePort !== undefined) {
      check(containers.some((c) => portOf(c, Number(scrapePort))), `${name}: prometheus.io/port ${scrapePort} is no container port`);
    }
    for (const service of all('Service').filter((s) => matches(s.spec?.selector, labels))) {
      for (const port of service.spec.ports || []) {
        const target = port.targetPort ?? port.port;
        check(containers.some((c) => portOf(c, target)), `Service ${service.metadata.name}: targetPort ${target} is no port of ${name}`);
      }
    }
    for (const policy of all('NetworkPolicy').filter((p) => matches(p.spec?.podSelector?.matchLabels, labels))) {
      for (const rule of policy.spec.ingress || []) {
        for (const port of rule.ports || []) {
          check(containers.some((c) => portOf(c, port.port)), `NetworkPolicy ${policy.metadata.name}: port ${port.port} is no port of ${name}`);
        }
      }
    }
  }
  for (const service of all('Service')) {
    check(all('Deployment').some((d) => matches(service.spec?.selector, d.spec?.template?.metadata?.labels)),
      `Service ${service.metadata.name}: its selector matches no Deployment's pods`);
  }
  for (const hpa of all('HorizontalPodAutoscaler')) {
    const target = hpa.spec?.scaleTargetRef || {};
    check(named(target.kind, target.name), `HorizontalPodAutoscaler ${hpa.metadata.name}: scales ${target.kind} ${target.name}, which is not here`);
    for (const metric of hpa.spec?.metrics || []) {
      if (metric.type !== 'Pods') continue;
      const wanted = metric.pods?.metric?.name;
      check(rules.some((r) => r.name?.as === wanted),
        `HorizontalPodAutoscaler ${hpa.metadata.name}: no prometheus-adapter rule serves the metric ${wanted}`);
    }
  }
  for (const rule of rules) {
    for (const placeholder of ['<<.Series>>', '<<.LabelMatchers>>', '<<.GroupBy>>']) {
      check(rule.metricsQuery?.includes(placeholder), `prometheus-adapter rule ${rule.name?.as}: metricsQuery lacks ${placeholder}`);
    }
  }
  for (const isvc of all('InferenceService')) {
    const model = isvc.spec?.predictor?.model || {};
    const runtime = named('ClusterServingRuntime', model.runtime);
    const name = `InferenceService ${isvc.metadata.name}`;
    if (!check(runtime, `${name}: runtime ${model.runtime} is not a ClusterServingRuntime here`)) continue;
    check((runtime.spec.supportedModelFormats || []).some((f) => f.name === model.modelFormat?.name),
      `${name}: runtime ${model.runtime} does not support model format ${model.modelFormat?.name}`);
    const protocols = runtime.spec.protocolVersions || [];
    check(!model.protocolVersion || protocols.includes(model.protocolVersion),
      `${name}: runtime ${model.runtime} does not speak protocol ${model.protocolVersion}`);
  }
  for (const runtime of all('ClusterServingRuntime')) {
    for (const c of runtime.spec?.containers || []) {
      for (const probe of ['livenessProbe', 'readinessProbe']) {
        const port = c[probe]?.httpGet?.port;
        if (port !== undefined) check(portOf(c, port), `ClusterServingRuntime ${runtime.metadata.name}: ${probe} port ${port} is not the container's port`);
      }
    }
  }
  for (const { file, doc } of docs.filter((d) => d.doc?.kind === 'Kustomization')) {
    const base = path.join(dir, path.dirname(file));
    const listed = doc.resources || [];
    for (const resource of listed) check(fs.existsSync(path.join(base, resource)), `${file}: resource ${resource} does not exist`);
    for (const sibling of fs.readdirSync(base).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
      check(listed.includes(sibling), `${file}: ${sibling} is beside it but not in resources`);
    }
    const images = docs.filter((d) => path.dirname(d.file) === path.dirname(file))
      .flatMap((d) => d.doc?.spec?.template?.spec?.containers || []).map((c) => c.image.split(':')[0]);
    for (const image of doc.images || []) check(images.includes(image.name), `${file}: image ${image.name} is used by no container`);
  }
  return errors;
}

function allErrors(validator, docs, dir) {
  return [...docs.flatMap((d) => schemaErrors(validator, d)), ...crossErrors(docs, dir)];
}

// Broken copies, each of a kind of mistake the checks exist for.
const find = (docs, kind) => docs.find((d) => d.doc.kind === kind).doc;
const container = (docs) => find(docs, 'Deployment').spec.template.spec.containers[0];
const BROKEN = [
  ['misspelt field (readinessProbes)', (docs) => {
    const c = container(docs);
    c.readinessProbes = c.readinessProbe;
    delete c.readinessProbe;
  }],
  ['replicas as a string', (docs) => { find(docs, 'Deployment').spec.replicas = '2'; }],
  ['memory limit that is no quantity', (docs) => { container(docs).resources.limits.memory = '1.5 GB'; }],
  ['probe port the container lacks', (docs) => { container(docs).livenessProbe.httpGet.port = 'http'; }],
  ['Service targetPort the pods lack', (docs) => { find(docs, 'Service').spec.ports[0].targetPort = 'infrence'; }],
  ['HPA target in autoscaling/v2beta1 form', (docs) => {
    const metric = find(docs, 'HorizontalPodAutoscaler').spec.metrics[0];
    metric.pods.targetAverageValue = metric.pods.target.averageValue;
    delete metric.pods.target;
  }],
  ['HPA metric no adapter rule serves', (docs) => {
    find(docs, 'HorizontalPodAutoscaler').spec.metrics[0].pods.metric.name = 'ocrserve_queue_depth';
  }],
  ['adapter rule without metricsQuery', (docs) => {
    const cm = docs.find((d) => d.doc.metadata?.name === 'prometheus-adapter').doc;
    const config = YAML.parse(cm.data['config.yaml']);
    delete config.rules[0].metricsQuery;
    cm.data['config.yaml'] = YAML.stringify(config);
  }],
  ['ConfigMap value that is not a string', (docs) => { find(docs, 'ConfigMap').data.workers = 2; }],
  ['ServingRuntime with supportedModelTypes (an old field name)', (docs) => {
    const spec = find(docs, 'ClusterServingRuntime').spec;
    spec.supportedModelTypes = spec.supportedModelFormats;
    delete spec.supportedModelFormats;
  }],
  ['ServingRuntime args as one string', (docs) => { find(docs, 'ClusterServingRuntime').spec.containers[0].args = 'start --foreground'; }],
  ['InferenceService protocol v3', (docs) => { find(docs, 'InferenceService').spec.predictor.model.protocolVersion = 'v3'; }],
  ['InferenceService model format the runtime lacks', (docs) => {
    find(docs, 'InferenceService').spec.predictor.model.modelFormat.name = 'pytorch';
  }],
  ['InferenceService storageUri as a number', (docs) => { find(docs, 'InferenceService').spec.predictor.model.storageUri = 5; }],
  ['kustomization resource that does not exist', (docs) => { find(docs, 'Kustomization').resources.push('ingress.yaml'); }],
];

function main() {
  const validator = makeValidator();
  const docs = readManifests(manifestsDir);
  let passed = 0;
  let failed = 0;
  const report = (ok, line) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
    ok ? passed++ : failed++;
  };
  console.log(`${validator.count} schemas; ${docs.length} documents in ${manifestsDir}`);

  const errors = allErrors(validator, docs, manifestsDir);
  for (const { file, doc } of docs) {
    const mine = errors.filter((e) => e.startsWith(`${file} `));
    report(mine.length === 0, `${file} ${doc.kind}${doc.metadata?.name ? `/${doc.metadata.name}` : ''}${mine.length ? `\n  ${mine.join('\n  ')}` : ''}`);
  }
  const others = errors.filter((e) => !docs.some(({ file }) => e.startsWith(`${file} `)));
  report(others.length === 0, `the manifests name each other consistently${others.length ? `\n  ${others.join('\n  ')}` : ''}`);

  for (const [what, breakIt] of BROKEN) {
    const copy = docs.map(({ file, doc }) => ({ file, doc: JSON.parse(JSON.stringify(doc)) }));
    breakIt(copy);
    const found = allErrors(validator, copy, manifestsDir);
    report(found.length > 0, `rejects ${what}${found.length ? `: ${found[0]}` : ': accepted'}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
