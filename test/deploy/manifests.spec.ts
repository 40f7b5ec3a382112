/**
 * Keeps the deployment descriptions true to the code: the Kubernetes base in docker/k8s and docker-compose.yml
 * must give every container an environment its service's real config schema accepts, and the ports, probes,
 * commands and grace periods must match what that configuration makes the service do.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { ArchiveStoreConfig, AuthConfig, KafkaConfig, loadConfig } from '@threadline/config';
import { archiverConfigSchema } from '../../apps/archiver/src/config/archiver.config';
import { commandConfigSchema } from '../../apps/command/src/config/command.config';
import { dispatcherConfigSchema } from '../../apps/dispatcher/src/config/dispatcher.config';
import { projectorConfigSchema } from '../../apps/projector/src/config/projector.config';
import { realtimeConfigSchema } from '../../apps/realtime/src/config/realtime.config';

const ROOT = join(__dirname, '..', '..');
const K8S_DIR = join(ROOT, 'docker', 'k8s');

type Env = Record<string, string>;
type ServiceName = 'command' | 'realtime' | 'projector' | 'archiver' | 'dispatcher';

/** What a test needs from a service's parsed configuration, whichever service it is. */
interface ServiceConfig {
  http: { host: string; port: number };
  shutdownGraceMs: number;
  auth: AuthConfig;
  kafka: KafkaConfig;
  /** The archive store, for the services that read or write the archive. */
  archive?: ArchiveStoreConfig;
}

function loadServiceConfig(service: ServiceName, env: Env): ServiceConfig {
  switch (service) {
    case 'command':
      return loadConfig(commandConfigSchema, env);
    case 'realtime':
      return loadConfig(realtimeConfigSchema, env);
    case 'projector':
      return loadConfig(projectorConfigSchema, env);
    case 'archiver':
      return loadConfig(archiverConfigSchema, env);
    case 'dispatcher':
      return loadConfig(dispatcherConfigSchema, env);
  }
}

/**
 * Realtime's reorder timeout must exceed the command's ack timeout (docs/operations.md, "Kafka in production"): an
 * acknowledged seq can reach the topic up to the ack timeout after a later one, and a stream that gives up
 * on it sooner announces it as a gap that a client which does not replay never fills.
 */
function expectReorderAboveAckTimeout(commandEnv: Env, realtimeEnv: Env): void {
  const ackTimeoutMs = loadConfig(commandConfigSchema, commandEnv).append.ackTimeoutMs;
  const reorderTimeoutMs = loadConfig(realtimeConfigSchema, realtimeEnv).stream.reorderTimeoutMs;
  expect(reorderTimeoutMs).toBeGreaterThan(ackTimeoutMs);
}

/** Seconds a container's preStop hook sleeps before Kubernetes sends SIGTERM (0 without one). */
function preStopSeconds(container: Container): number {
  const command = container.lifecycle?.preStop?.exec?.command;
  if (command === undefined) {
    return 0;
  }
  expect(command.slice(0, 1)).toEqual(['sleep']);
  return Number(command[1]);
}

/** Every environment variable some service reads. */
const KNOWN_VARIABLES = new Set([
  ...Object.keys(commandConfigSchema.in.shape),
  ...Object.keys(realtimeConfigSchema.in.shape),
  ...Object.keys(projectorConfigSchema.in.shape),
  ...Object.keys(archiverConfigSchema.in.shape),
  ...Object.keys(dispatcherConfigSchema.in.shape),
]);

function mainOf(service: ServiceName): string[] {
  return ['node', `dist/apps/${service}/src/main.js`];
}

// --- the Kubernetes objects, as far as these tests read them ---

interface Metadata {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
}

interface SecretKeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

interface EnvVar {
  name: string;
  value?: unknown;
  valueFrom?: { secretKeyRef?: SecretKeyRef };
}

interface HttpProbe {
  httpGet?: { path: string; port: number | string };
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  envFrom?: { configMapRef?: { name: string }; prefix?: string }[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: HttpProbe;
  readinessProbe?: HttpProbe;
  startupProbe?: HttpProbe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
  };
}

interface PodTemplate {
  metadata: Metadata;
  spec: {
    containers: Container[];
    terminationGracePeriodSeconds?: number;
    enableServiceLinks?: boolean;
    securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  };
}

interface Workload extends Manifest {
  spec: { replicas?: number; selector?: { matchLabels: Record<string, string> }; template: PodTemplate };
}

interface ConfigMap extends Manifest {
  data: Record<string, unknown>;
}

interface Secret extends Manifest {
  stringData: Record<string, unknown>;
}

interface KubeService extends Manifest {
  spec: {
    type?: string;
    selector: Record<string, string>;
    ports: { port: number; targetPort: number | string }[];
  };
}

interface PodDisruptionBudget extends Manifest {
  spec: { selector: { matchLabels: Record<string, string> }; maxUnavailable?: number; minAvailable?: number };
}

interface Kustomization {
  resources: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

function readYaml(path: string): unknown {
  return load(readFileSync(path, 'utf8'));
}

const kustomization = readYaml(join(K8S_DIR, 'kustomization.yaml')) as Kustomization;
const manifests = kustomization.resources.flatMap(
  (file) => loadAll(readFileSync(join(K8S_DIR, file), 'utf8')) as Manifest[],
);
const exampleSecret = readYaml(join(K8S_DIR, 'secret.example.yaml')) as Secret;

function ofKind<T extends Manifest>(kind: string): T[] {
  return manifests.filter((m) => m.kind === kind) as T[];
}

/** The Deployments and Jobs: everything that runs a pod. */
function podWorkloads(): Workload[] {
  return [...ofKind<Workload>('Deployment'), ...ofKind<Workload>('Job')];
}

function named<T extends Manifest>(kind: string, name: string): T {
  const found = ofKind<T>(kind).find((m) => m.metadata.name === name);
  if (found === undefined) {
    throw new Error(`no ${kind} named ${name} in docker/k8s`);
  }
  return found;
}

function asString(value: unknown, where: string): string {
  if (typeof value !== 'string') {
    throw new Error(`${where} is a ${typeof value}: Kubernetes only accepts quoted strings there`);
  }
  return value;
}

function onlyContainer(workload: Workload): Container {
  const { containers } = workload.spec.template.spec;
  expect(containers).toHaveLength(1);
  return containers[0];
}

/**
 * The environment Kubernetes gives the container: envFrom ConfigMaps in order, then env on top. Secret keys take
 * the values of secret.example.yaml; optional ones are left out when `optionalSecrets` is false, as when the real
 * Secret does not have them.
 */
function containerEnv(container: Container, optionalSecrets: boolean): Env {
  const env: Env = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef === undefined || source.prefix !== undefined) {
      throw new Error(`${container.name}: only envFrom configMapRef without a prefix is modelled by this test`);
    }
    const configMap = named<ConfigMap>('ConfigMap', source.configMapRef.name);
    for (const [key, value] of Object.entries(configMap.data)) {
      env[key] = asString(value, `ConfigMap ${configMap.metadata.name} ${key}`);
    }
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (variable.value !== undefined) {
      env[variable.name] = asString(variable.value, `${container.name} env ${variable.name}`);
    } else if (ref !== undefined) {
      if (optionalSecrets || ref.optional !== true) {
        env[variable.name] = secretPlaceholder(ref);
      }
    } else {
      throw new Error(`${container.name} env ${variable.name}: only value and secretKeyRef are modelled by this test`);
    }
  }
  return env;
}

function secretPlaceholder(ref: SecretKeyRef): string {
  if (ref.name !== exampleSecret.metadata.name || !(ref.key in exampleSecret.stringData)) {
    throw new Error(`secretKeyRef ${ref.name}/${ref.key} is not in secret.example.yaml`);
  }
  return asString(exampleSecret.stringData[ref.key], `secret.example.yaml ${ref.key}`);
}

function secretKeyRefs(): SecretKeyRef[] {
  return podWorkloads()
    .flatMap((w) => w.spec.template.spec.containers)
    .flatMap((c) => c.env ?? [])
    .flatMap((v) => (v.valueFrom?.secretKeyRef ? [v.valueFrom.secretKeyRef] : []));
}

function httpGetPort(probe: HttpProbe): number | string {
  if (probe.httpGet === undefined) {
    throw new Error('only httpGet probes are modelled by this test');
  }
  return probe.httpGet.port;
}

function resolvePort(container: Container, port: number | string): number {
  if (typeof port === 'number') {
    return port;
  }
  const byName = container.ports?.find((p) => p.name === port);
  if (byName === undefined) {
    throw new Error(`${container.name} has no port named ${port}`);
  }
  return byName.containerPort;
}

function argv(container: Container): string[] {
  return [...(container.command ?? []), ...(container.args ?? [])];
}

/** The parsed configuration of a workload's container, with every Secret key present. */
function workloadConfig(workload: Workload, service: ServiceName): ServiceConfig {
  return loadServiceConfig(service, containerEnv(onlyContainer(workload), true));
}

interface ExpectedWorkload {
  kind: 'Deployment' | 'Job';
  name: string;
  /** The service whose config schema the container loads. */
  service: ServiceName;
  argv: string[];
}

interface ExpectedDeployment {
  name: string;
  service: ServiceName;
  replicas: number;
  /** Behind a ClusterIP Service and a PodDisruptionBudget. */
  exposed: boolean;
}

const DEPLOYMENTS: ExpectedDeployment[] = [
  { name: 'threadline-command', service: 'command', replicas: 2, exposed: true },
  { name: 'threadline-realtime', service: 'realtime', replicas: 2, exposed: true },
  { name: 'threadline-projector', service: 'projector', replicas: 1, exposed: false },
  { name: 'threadline-archiver', service: 'archiver', replicas: 1, exposed: false },
  { name: 'threadline-dispatcher', service: 'dispatcher', replicas: 2, exposed: false },
];

const WORKLOADS: ExpectedWorkload[] = [
  { kind: 'Job', name: 'threadline-migrate', service: 'projector', argv: [...mainOf('projector'), 'migrate'] },
  ...DEPLOYMENTS.map((d) => ({
    kind: 'Deployment' as const,
    name: d.name,
    service: d.service,
    argv: mainOf(d.service),
  })),
];

describe('Kubernetes manifests (docker/k8s)', () => {
  it('kustomization.yaml lists every manifest except the secret.example.yaml template', () => {
    const manifestFiles = readdirSync(K8S_DIR).filter(
      (f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && f !== 'secret.example.yaml',
    );
    expect([...kustomization.resources].sort()).toEqual(manifestFiles.sort());
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
  });

  it('every container runs the threadline image, which the kustomize images: entry can override', () => {
    const images = podWorkloads().flatMap((w) => w.spec.template.spec.containers.map((c) => c.image));
    expect(new Set(images)).toEqual(new Set(['threadline:latest']));
    expect(kustomization.images?.map((i) => i.name)).toContain('threadline');
  });

  it('defines one Deployment per service and the migrate Job', () => {
    const deployments = ofKind('Deployment').map((d) => d.metadata.name);
    expect(deployments.sort()).toEqual(DEPLOYMENTS.map((d) => d.name).sort());
    expect(ofKind('Job').map((j) => j.metadata.name)).toEqual(['threadline-migrate']);
  });

  it('secret.example.yaml is the Secret threadline-secrets and holds every key the workloads reference', () => {
    expect(exampleSecret.kind).toBe('Secret');
    expect(exampleSecret.metadata.name).toBe('threadline-secrets');
    const refs = secretKeyRefs();
    expect(refs.map((r) => r.key)).toContain('DATABASE_URL');
    for (const ref of refs) {
      expect(ref.name).toBe('threadline-secrets');
      expect(Object.keys(exampleSecret.stringData)).toContain(ref.key);
    }
  });

  it('sets only variables some service reads (a misspelt name would silently leave the default)', () => {
    const set = [
      ...ofKind<ConfigMap>('ConfigMap').flatMap((c) => Object.keys(c.data)),
      ...podWorkloads().flatMap((w) =>
        w.spec.template.spec.containers.flatMap((c) => (c.env ?? []).map((v) => v.name)),
      ),
    ];
    expect(set.filter((name) => !KNOWN_VARIABLES.has(name))).toEqual([]);
  });

  describe.each(WORKLOADS)('$kind $name', (expected) => {
    const workload = (): Workload => named<Workload>(expected.kind, expected.name);

    it(`runs ${expected.argv.join(' ')}`, () => {
      expect(argv(onlyContainer(workload()))).toEqual(expected.argv);
    });

    it(`its environment (ConfigMap, env, Secret placeholders) is accepted by the ${expected.service} config schema, with and without the optional Secret keys`, () => {
      const container = onlyContainer(workload());
      expect(() => loadServiceConfig(expected.service, containerEnv(container, true))).not.toThrow();
      expect(() => loadServiceConfig(expected.service, containerEnv(container, false))).not.toThrow();
    });

    it('authenticates every request (AUTH_MODE=on)', () => {
      expect(workloadConfig(workload(), expected.service).auth.mode).toBe('on');
    });

    it('uses Kafka replication factor 3, as production requires', () => {
      expect(workloadConfig(workload(), expected.service).kafka.replicationFactor).toBe(3);
    });

    it('runs as uid 1000, non-root, without privilege escalation, on a read-only root filesystem', () => {
      const pod = workload().spec.template.spec;
      const container = onlyContainer(workload());
      const user = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
      const nonRoot = container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      expect({ user, nonRoot }).toEqual({ user: 1000, nonRoot: true });
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
      });
    });

    it('requests and limits cpu and memory', () => {
      const { resources } = onlyContainer(workload());
      for (const kind of ['requests', 'limits'] as const) {
        expect(Object.keys(resources?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
      }
    });

    it('turns Service links off, so variables like COMMAND_PORT=tcp://... cannot reach the config', () => {
      expect(workload().spec.template.spec.enableServiceLinks).toBe(false);
    });
  });

  describe.each(DEPLOYMENTS)('Deployment $name', (expected) => {
    const deployment = (): Workload => named<Workload>('Deployment', expected.name);
    const config = (): ServiceConfig => workloadConfig(deployment(), expected.service);

    it('listens on 0.0.0.0 at its containerPort, which every probe and prometheus.io/port use', () => {
      const container = onlyContainer(deployment());
      const { host, port } = config().http;
      expect(host).toBe('0.0.0.0');
      expect(container.ports?.map((p) => p.containerPort)).toEqual([port]);
      const probes = [container.livenessProbe, container.readinessProbe, container.startupProbe];
      for (const probe of probes.filter((p) => p !== undefined)) {
        expect(resolvePort(container, httpGetPort(probe))).toBe(port);
      }
      expect(deployment().spec.template.metadata.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(port),
        'prometheus.io/path': '/metrics',
      });
    });

    it('probes liveness at /health/live and readiness at /health/ready (startup, if any, at /health/live)', () => {
      const container = onlyContainer(deployment());
      expect(container.livenessProbe?.httpGet?.path).toBe('/health/live');
      expect(container.readinessProbe?.httpGet?.path).toBe('/health/ready');
      if (container.startupProbe !== undefined) {
        expect(container.startupProbe.httpGet?.path).toBe('/health/live');
      }
    });

    it('gives its preStop delay plus SHUTDOWN_GRACE_MS/1000 + 5 seconds before the kill', () => {
      const grace = deployment().spec.template.spec.terminationGracePeriodSeconds ?? 30;
      expect(grace).toBeGreaterThanOrEqual(
        preStopSeconds(onlyContainer(deployment())) + config().shutdownGraceMs / 1000 + 5,
      );
    });

    it(`runs ${expected.replicas} replica(s) whose pods its selector matches`, () => {
      const { spec } = deployment();
      expect(spec.replicas ?? 1).toBe(expected.replicas);
      expect(spec.selector).toBeDefined();
      expect(spec.template.metadata.labels).toMatchObject(spec.selector!.matchLabels);
    });
  });

  describe.each(DEPLOYMENTS.filter((d) => d.exposed))('Deployment $name', (expected) => {
    it('waits before SIGTERM (preStop sleep) so its Service stops routing new connections to a pod that is leaving', () => {
      expect(preStopSeconds(onlyContainer(named<Workload>('Deployment', expected.name)))).toBeGreaterThanOrEqual(3);
    });

    it('is reached through a ClusterIP Service that targets its pods at the port it listens on', () => {
      const deployment = named<Workload>('Deployment', expected.name);
      const service = named<KubeService>('Service', expected.name);
      const { port } = workloadConfig(deployment, expected.service).http;
      expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
      expect(service.spec.ports.map((p) => resolvePort(onlyContainer(deployment), p.targetPort))).toEqual([port]);
    });

    it('has a PodDisruptionBudget over its pods that allows one eviction at a time and keeps one running', () => {
      const deployment = named<Workload>('Deployment', expected.name);
      const budget = named<PodDisruptionBudget>('PodDisruptionBudget', expected.name);
      expect(deployment.spec.template.metadata.labels).toMatchObject(budget.spec.selector.matchLabels);
      const replicas = deployment.spec.replicas ?? 1;
      const evictable = budget.spec.maxUnavailable ?? replicas - (budget.spec.minAvailable ?? replicas);
      expect(evictable).toBeGreaterThanOrEqual(1);
      expect(evictable).toBeLessThan(replicas);
    });
  });

  it.each(['threadline-command', 'threadline-realtime', 'threadline-archiver'])(
    '%s archives to S3 (the fs backend would need a volume shared by command, realtime and archiver)',
    (name) => {
      const deployment = named<Workload>('Deployment', name);
      const service = DEPLOYMENTS.find((d) => d.name === name)!.service;
      expect(workloadConfig(deployment, service).archive?.backend).toBe('s3');
    },
  );

  it("gives realtime a reorder timeout above the command's ack timeout, so an acknowledged seq is never gapped", () => {
    expectReorderAboveAckTimeout(
      containerEnv(onlyContainer(named<Workload>('Deployment', 'threadline-command')), true),
      containerEnv(onlyContainer(named<Workload>('Deployment', 'threadline-realtime')), true),
    );
  });

  it('runs no more projector replicas than the topic has partitions (extra ones would sit idle)', () => {
    const projector = named<Workload>('Deployment', 'threadline-projector');
    expect(projector.spec.replicas ?? 1).toBeLessThanOrEqual(workloadConfig(projector, 'projector').kafka.partitions);
  });
});

// --- docker-compose.yml ---

interface ComposeService {
  build?: { context?: string; dockerfile?: string };
  command?: string[];
  environment?: unknown;
  ports?: string[];
  volumes?: string[];
}

const compose = readYaml(join(ROOT, 'docker-compose.yml')) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};

/** Compose turns numbers and booleans in an environment mapping into strings. */
function composeEnv(name: string, service: ComposeService): Env {
  const { environment } = service;
  if (typeof environment !== 'object' || environment === null || Array.isArray(environment)) {
    throw new Error(`compose service ${name}: only an environment mapping is modelled by this test`);
  }
  const env: Env = {};
  for (const [key, value] of Object.entries(environment)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error(`compose service ${name}: ${key} is not a scalar`);
    }
    env[key] = String(value);
  }
  return env;
}

/** `listens`: a server (not the one-shot migration), so it publishes its port. */
const COMPOSE_SERVICES: { name: string; service: ServiceName; argv: string[]; listens: boolean }[] = [
  { name: 'migrate', service: 'projector', argv: [...mainOf('projector'), 'migrate'], listens: false },
  { name: 'projector', service: 'projector', argv: mainOf('projector'), listens: true },
  { name: 'command', service: 'command', argv: mainOf('command'), listens: true },
  { name: 'realtime', service: 'realtime', argv: mainOf('realtime'), listens: true },
  { name: 'archiver', service: 'archiver', argv: mainOf('archiver'), listens: true },
  { name: 'dispatcher', service: 'dispatcher', argv: mainOf('dispatcher'), listens: true },
];

describe('docker-compose.yml', () => {
  it('builds the Threadline image for exactly migrate, projector, command, realtime, archiver and dispatcher', () => {
    const built = Object.entries(compose.services)
      .filter(([, s]) => s.build?.dockerfile === 'docker/Dockerfile')
      .map(([name]) => name);
    expect(built.sort()).toEqual(COMPOSE_SERVICES.map((s) => s.name).sort());
  });

  it('sets only variables some service reads (a misspelt name would silently leave the default)', () => {
    const set = COMPOSE_SERVICES.flatMap((s) => Object.keys(composeEnv(s.name, compose.services[s.name])));
    expect(set.filter((name) => !KNOWN_VARIABLES.has(name))).toEqual([]);
  });

  describe.each(COMPOSE_SERVICES)('service $name', (expected) => {
    const service = (): ComposeService => compose.services[expected.name];

    it(`runs ${expected.argv.join(' ')}`, () => {
      expect(service().command).toEqual(expected.argv);
    });

    it(`its environment (x-service-env) is accepted by the ${expected.service} config schema`, () => {
      expect(() => loadServiceConfig(expected.service, composeEnv(expected.name, service()))).not.toThrow();
    });
  });

  it("gives realtime a reorder timeout above the command's ack timeout, so an acknowledged seq is never gapped", () => {
    expectReorderAboveAckTimeout(
      composeEnv('command', compose.services.command),
      composeEnv('realtime', compose.services.realtime),
    );
  });

  it('mounts one named volume at the filesystem archive directory of the archiver, command and realtime, so reads reach what retention trimmed', () => {
    const mounts = ['archiver', 'command', 'realtime'].map((name) => {
      const service = compose.services[name];
      const store = loadServiceConfig(name as ServiceName, composeEnv(name, service)).archive;
      expect(store?.backend).toBe('fs');
      const dir = store?.backend === 'fs' ? store.dir : '';
      const volume = (service.volumes ?? []).map((v) => v.split(':')).find(([, target]) => target === dir)?.[0];
      return { dir, volume };
    });
    const [first] = mounts;
    expect(first.dir).toMatch(/^\//);
    expect(first.volume).toBeDefined();
    expect(mounts).toEqual(mounts.map(() => first));
    expect(Object.keys(compose.volumes ?? {})).toContain(first.volume);
  });

  describe.each(COMPOSE_SERVICES.filter((s) => s.listens))('service $name', (expected) => {
    it('listens on 0.0.0.0 at the container port it publishes, with authentication on', () => {
      const service = compose.services[expected.name];
      const config = loadServiceConfig(expected.service, composeEnv(expected.name, service));
      const { host, port } = config.http;
      expect(host).toBe('0.0.0.0');
      expect(config.auth.mode).toBe('on');
      expect(service.ports?.map((p) => Number(p.split(':').at(-1)))).toEqual([port]);
    });
  });
});
