import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { fleetKeys } from '@mxv/fleet';

/**
 * The deployment files, parsed and checked offline (no kubeconform or docker
 * here): the fields that decide whether the fleet runs, scales and stops well,
 * and that they agree with each other and with the code (ports, probe paths,
 * the BullMQ wait list's key, the drain time).
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WORKER_METRICS_PORT = 9464;
const API_PORT = 8080;

function flagValue(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  return index >= 0 ? args[index + 1] : undefined;
}

function k8sDocs(): Doc[] {
  const dir = join(ROOT, 'deploy/k8s');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml') && name !== 'kustomization.yaml')
    .flatMap((name) =>
      parseAllDocuments(readFileSync(join(dir, name), 'utf8')).map((doc) => {
        expect(doc.errors, name).toEqual([]);
        return { ...(doc.toJS() as Doc), __file: name };
      }),
    );
}

function find(docs: Doc[], kind: string, name: string): Doc {
  const found = docs.find((doc) => doc['kind'] === kind && doc['metadata']?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found;
}

function durationSeconds(value: string): number {
  const match = /^(\d+)(s|m)$/.exec(value);
  if (!match) throw new Error(`unexpected duration ${value}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

describe('docker-compose.yml', () => {
  // Compose resolves YAML merge keys (<<: *mxv-env); so must the parser.
  const compose = parse(read('docker-compose.yml'), { merge: true }) as Doc;
  const services = compose['services'] as Record<string, Doc>;

  it('runs Redis with append-only on and no eviction', () => {
    const command = services['redis']?.['command'] as string[];
    expect(flagValue(command, '--appendonly')).toBe('yes');
    expect(flagValue(command, '--maxmemory-policy')).toBe('noeviction');
    expect(command).toContain('--maxmemory');
  });

  it('runs scalable workers that drain within their stop grace period and serve metrics for Prometheus', () => {
    const worker = services['worker'] as Doc;
    expect(worker['build']).toBe('.');
    expect(worker['deploy']?.replicas).toBeGreaterThanOrEqual(1);
    // A fixed container name or published port would make `--scale worker=N` clash.
    expect(worker['container_name']).toBeUndefined();
    expect(worker['ports']).toBeUndefined();
    const command = worker['command'] as string[];
    expect(command[0]).toBe('worker');
    expect(flagValue(command, '--metrics-port')).toBe(String(WORKER_METRICS_PORT));
    expect(flagValue(command, '--metrics-host')).toBe('0.0.0.0');
    const drainMs = Number(flagValue(command, '--drain-timeout-ms'));
    expect(durationSeconds(worker['stop_grace_period'] as string) * 1000).toBeGreaterThan(drainMs);
    expect(worker['environment']?.REDIS_URL).toBe('redis://redis:6379');
    // Docker networks have no IPv6 unless configured: IPv4 only, unless the user says otherwise.
    expect(worker['environment']?.MXV_IP_FAMILIES).toBe('${MXV_IP_FAMILIES:-4}');
    expect(worker['healthcheck']?.test.join(' ')).toContain(`:${WORKER_METRICS_PORT}/readyz`);
  });

  it('runs the API from the same image, on loopback of the host', () => {
    const api = services['api'] as Doc;
    expect(api['image']).toBe(services['worker']?.['image']);
    expect((api['command'] as string[])[0]).toBe('api');
    expect(flagValue(api['command'] as string[], '--port')).toBe(String(API_PORT));
    expect(api['environment']?.REDIS_URL).toBe('redis://redis:6379');
    expect(api['ports']).toEqual([`127.0.0.1:${API_PORT}:${API_PORT}`]);
  });

  it('wires Prometheus and Grafana to the shipped files, and Prometheus to the worker and API ports', () => {
    for (const service of ['prometheus', 'grafana']) {
      for (const volume of services[service]?.['volumes'] as string[]) {
        const source = volume.split(':')[0] ?? '';
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), volume).toBe(true);
      }
    }
    const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as Doc;
    const jobs = new Map((prometheus['scrape_configs'] as Doc[]).map((job) => [job['job_name'] as string, job]));
    expect(jobs.get('mxv-worker')?.dns_sd_configs[0]).toMatchObject({ names: ['worker'], port: WORKER_METRICS_PORT });
    expect(jobs.get('mxv-api')?.static_configs[0].targets).toEqual([`api:${API_PORT}`]);
  });
});

describe('Grafana provisioning', () => {
  it('the dashboard uses the provisioned datasource and every panel has a query', () => {
    const datasource = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as Doc;
    const uid = datasource['datasources'][0].uid as string;
    expect(datasource['datasources'][0].url).toBe('http://prometheus:9090');
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/mxv-fleet.json')) as Doc;
    const panels = dashboard['panels'] as Doc[];
    expect(panels.length).toBeGreaterThanOrEqual(6);
    for (const panel of panels) {
      expect(panel['datasource'].uid, panel['title']).toBe(uid);
      expect(panel['targets'].length, panel['title']).toBeGreaterThan(0);
      for (const target of panel['targets'] as Doc[]) expect(target['expr'], panel['title']).toMatch(/mxv[_:]/);
    }
    const titles = panels.map((panel) => panel['title'] as string);
    for (const title of [
      'Throughput',
      'Throughput by verdict',
      'Phase latency p95',
      'Queue depth',
      'Host cache hit ratio',
      'Politeness delays',
    ]) {
      expect(titles).toContain(title);
    }
    const provider = parse(read('deploy/grafana/provisioning/dashboards/mxv.yml')) as Doc;
    expect(provider['providers'][0].options.path).toBe('/var/lib/grafana/dashboards/mxv');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds in stages with the lockfile and runs the CLI as a non-root user', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/pnpm install --frozen-lockfile\n/);
    // The build compiles and bundles; the runtime stage holds the bundle alone (no node_modules, no sources).
    expect(dockerfile).toMatch(/RUN pnpm run --silent build/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime.match(/^COPY .*$/gm)).toEqual([
      'COPY --from=build --chown=node:node /app/apps/cli/package.json /app/apps/cli/package.json',
      'COPY --from=build --chown=node:node /app/apps/cli/bundle /app/apps/cli/bundle',
    ]);
    expect(runtime).toContain('ENTRYPOINT ["node", "/app/apps/cli/bundle/main.js"]');
    // Every workspace package's manifest is copied before the install, or the frozen install fails.
    for (const dir of ['packages', 'apps']) {
      for (const name of readdirSync(join(ROOT, dir))) {
        if (existsSync(join(ROOT, dir, name, 'package.json'))) {
          expect(dockerfile, `${dir}/${name}`).toContain(`COPY ${dir}/${name}/package.json ${dir}/${name}/`);
        }
      }
    }
    const ignore = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git']) expect(ignore).toContain(entry);
  });
});

describe('deploy/k8s', () => {
  const docs = k8sDocs();

  it('every document names its kind, API version, name and namespace', () => {
    for (const doc of docs) {
      expect(doc['apiVersion'], doc['__file']).toBeTruthy();
      expect(doc['kind'], doc['__file']).toBeTruthy();
      expect(doc['metadata']?.name, doc['__file']).toBeTruthy();
      if (doc['kind'] !== 'Namespace') expect(doc['metadata']?.namespace, doc['__file']).toBe('mxv');
    }
    const kustomization = parse(read('deploy/k8s/kustomization.yaml')) as Doc;
    for (const file of kustomization['resources'] as string[])
      expect(existsSync(join(ROOT, 'deploy/k8s', file)), file).toBe(true);
  });

  it('the worker Deployment probes the metrics port and stops within the drain time plus a margin', () => {
    const deployment = find(docs, 'Deployment', 'mxv-worker');
    const pod = deployment['spec'].template.spec as Doc;
    expect(deployment['spec'].selector.matchLabels).toEqual(
      Object.fromEntries(Object.entries(deployment['spec'].template.metadata.labels as Record<string, string>)),
    );
    const container = pod['containers'][0] as Doc;
    const args = container['args'] as string[];
    expect(args[0]).toBe('worker');
    expect(flagValue(args, '--metrics-port')).toBe(String(WORKER_METRICS_PORT));
    expect(flagValue(args, '--metrics-host')).toBe('0.0.0.0');
    const metricsPort = (container['ports'] as Doc[]).find((port) => port['containerPort'] === WORKER_METRICS_PORT);
    expect(metricsPort?.name).toBe('metrics');
    expect(container['livenessProbe'].httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container['readinessProbe'].httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    const drainMs = Number(flagValue(args, '--drain-timeout-ms'));
    const graceMs = (pod['terminationGracePeriodSeconds'] as number) * 1000;
    expect(graceMs).toBeGreaterThan(drainMs);
    expect(graceMs).toBeLessThanOrEqual(drainMs + 30_000);
    const redisUrl = (container['env'] as Doc[]).find((env) => env['name'] === 'REDIS_URL');
    expect(redisUrl?.valueFrom.secretKeyRef).toEqual({ name: 'mxv', key: 'redis-url' });
    // Pods have IPv6 only in dual-stack clusters: IPv4 only, as in docker-compose.yml.
    expect((container['env'] as Doc[]).find((env) => env['name'] === 'MXV_IP_FAMILIES')?.value).toBe('4');
    expect(pod['securityContext'].runAsNonRoot).toBe(true);
    expect(container['securityContext'].allowPrivilegeEscalation).toBe(false);
    expect(deployment['spec'].template.metadata.annotations['prometheus.io/port']).toBe(String(WORKER_METRICS_PORT));
  });

  it('the API Deployment and its Service agree on labels and ports, and both roles use one image', () => {
    const deployment = find(docs, 'Deployment', 'mxv-api');
    const service = find(docs, 'Service', 'mxv-api');
    const worker = find(docs, 'Deployment', 'mxv-worker');
    const container = deployment['spec'].template.spec.containers[0] as Doc;
    expect(container['image']).toBe(worker['spec'].template.spec.containers[0].image);
    expect((container['args'] as string[])[0]).toBe('api');
    expect(flagValue(container['args'] as string[], '--port')).toBe(String(API_PORT));
    expect(service['spec'].selector).toEqual(deployment['spec'].template.metadata.labels);
    const named = (container['ports'] as Doc[]).find((port) => port['name'] === service['spec'].ports[0].targetPort);
    expect(named?.containerPort).toBe(API_PORT);
    expect(container['readinessProbe'].httpGet.path).toBe('/readyz');
    const env = new Map((container['env'] as Doc[]).map((entry) => [entry['name'] as string, entry]));
    expect(env.get('REDIS_URL')?.valueFrom.secretKeyRef.key).toBe('redis-url');
    expect(env.get('MXV_API_TOKEN')?.valueFrom.secretKeyRef.key).toBe('api-token');
    const secret = find(docs, 'Secret', 'mxv');
    expect(Object.keys(secret['stringData'] as Doc).sort()).toEqual(['api-token', 'redis-url']);
  });

  it("the KEDA ScaledObject scales the worker Deployment on BullMQ's wait list", () => {
    const scaled = find(docs, 'ScaledObject', 'mxv-worker');
    expect(scaled['apiVersion']).toBe('keda.sh/v1alpha1');
    expect(scaled['spec'].scaleTargetRef.name).toBe('mxv-worker');
    const redis = (scaled['spec'].triggers as Doc[]).find((trigger) => trigger['type'] === 'redis');
    const keys = fleetKeys();
    // The LIST BullMQ keeps waiting jobs in: <prefix>:<queue>:wait.
    expect(redis?.metadata.listName).toBe(`${keys.bullPrefix}:${keys.queueName}:wait`);
    expect(Number(redis?.metadata.listLength)).toBeGreaterThan(0);
    expect(scaled['spec'].minReplicaCount).toBeGreaterThanOrEqual(1);
  });
});
