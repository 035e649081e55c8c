import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { validateObject } from '../../apis/v1beta1/index.js';
import {
  bootstrapInputFromPool,
  type ClusterJoin,
  type ResolvedReferences,
  UnresolvedReferenceError,
} from '../../bootstrap/from-pool.js';
import { caCertHash } from '../../bootstrap/ca-hash.js';
import { renderUserData } from '../../bootstrap/render.js';
import { VERSIONS } from '../../devstack/versions.js';

/** Shown instead of a real token when none is given: the rendered script is then a preview. */
/** The flag that stands in for each reference a pool's user data needs. */
const REFERENCE_FLAGS: readonly (readonly [string, string])[] = [
  ['spec.preUserDataFrom', '--pre-user-data-file'],
  ['spec.userDataFrom', '--user-data-file'],
  ['spec.bootstrap.external.joinCommandSecretRef', '--join-command'],
  ['spec.bootstrap.external.scriptURL', '--script-url'],
];

export const PLACEHOLDER_TOKEN = 'xxxxxx.xxxxxxxxxxxxxxxx';

interface Options {
  file: string;
  apiServer?: string;
  caFile?: string;
  token?: string;
  clusterId: string;
  kubernetesVersion: string;
  preUserDataFile?: string;
  userDataFile?: string;
  joinCommand?: string;
  scriptUrl?: string;
  instanceType?: string;
  output: 'script' | 'base64';
}

const Kubeconfig = z.object({
  'current-context': z.string().optional(),
  contexts: z.array(z.object({ name: z.string(), context: z.object({ cluster: z.string() }) })).default([]),
  clusters: z.array(
    z.object({
      name: z.string(),
      cluster: z.object({
        server: z.string(),
        'certificate-authority-data': z.string().optional(),
        'certificate-authority': z.string().optional(),
      }),
    }),
  ),
});

/** The API server and CA of the current context of $KUBECONFIG, if there is one. */
function fromKubeconfig(): { server: string; caPem: string } | undefined {
  const path = process.env.KUBECONFIG?.split(':')[0];
  if (!path) return undefined;
  const kc = Kubeconfig.safeParse(parseYaml(readFileSync(path, 'utf8')));
  if (!kc.success) return undefined;
  const ctx = kc.data.contexts.find((c) => c.name === kc.data['current-context']);
  const cluster = kc.data.clusters.find((c) => c.name === ctx?.context.cluster) ?? kc.data.clusters[0];
  if (!cluster) return undefined;
  const data = cluster.cluster['certificate-authority-data'];
  const file = cluster.cluster['certificate-authority'];
  const caPem = data
    ? Buffer.from(data, 'base64').toString('utf8')
    : file
      ? readFileSync(file, 'utf8')
      : undefined;
  return caPem ? { server: cluster.cluster.server, caPem } : undefined;
}

function readInput(file: string): string {
  return readFileSync(file === '-' ? 0 : file, 'utf8');
}

export function renderCommand(o: Options): { stdout: string; notes: string[] } {
  const docs = parseAllDocuments(readInput(o.file)).filter((d) => d.contents !== null);
  if (docs.length !== 1)
    throw new Error(`${o.file}: expected one NodePool or ManagedNodePool, found ${docs.length} documents`);
  const doc = docs[0];
  if (doc?.errors.length) throw new Error(`${o.file}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
  const checked = validateObject(doc?.toJS());
  if (!checked.ok) {
    throw new Error(checked.problems.map((p) => `${o.file}: ${p.path}: ${p.message}`).join('\n'));
  }
  const kc = fromKubeconfig();
  const apiServer = o.apiServer ?? kc?.server;
  if (!apiServer) throw new Error('--api-server: needed (no $KUBECONFIG to take it from)');
  const caPem = o.caFile ? readFileSync(o.caFile, 'utf8') : kc?.caPem;
  if (!caPem) throw new Error('--ca-file: needed (no $KUBECONFIG to take the cluster CA from)');
  const notes: string[] = [];
  const cluster: ClusterJoin = {
    clusterId: o.clusterId,
    apiServer,
    caCertHash: caCertHash(caPem),
    token: o.token ?? PLACEHOLDER_TOKEN,
    kubernetesVersion: o.kubernetesVersion,
  };
  const refs: ResolvedReferences = {
    ...(o.preUserDataFile ? { preUserData: readFileSync(o.preUserDataFile, 'utf8') } : {}),
    ...(o.userDataFile ? { userData: readFileSync(o.userDataFile, 'utf8') } : {}),
    ...(o.joinCommand ? { joinCommand: o.joinCommand } : {}),
    ...(o.scriptUrl ? { scriptURL: o.scriptUrl } : {}),
  };
  let input: ReturnType<typeof bootstrapInputFromPool>;
  try {
    input = bootstrapInputFromPool(checked.value, cluster, refs);
  } catch (err) {
    // offline there is no Secret or ConfigMap to read: say which flag gives the content
    const ref =
      err instanceof UnresolvedReferenceError
        ? REFERENCE_FLAGS.find(([field]) => err.message.startsWith(`${field}:`))
        : undefined;
    if (ref)
      throw new Error(`${o.file}: ${ref[0]} is a reference: give its content with ${ref[1]}`, { cause: err });
    throw err;
  }
  if (input.mode === 'Managed' && !o.token) {
    notes.push(
      `no --token: the script carries the placeholder ${PLACEHOLDER_TOKEN} (a preview; it cannot join)`,
    );
  }
  const rendered = renderUserData(input);
  notes.push(
    `${checked.kind}/${checked.value.metadata.name}: ${rendered.script.length} bytes, sent ${rendered.encoding} (${rendered.payload.length} bytes of the 32768 allowed), sha256 ${rendered.sha256.slice(0, 12)}`,
  );
  if (Object.keys(rendered.operatorLabels).length) {
    notes.push(
      `labels the operator applies after registration (NodeRestriction): ${Object.keys(rendered.operatorLabels).join(', ')}`,
    );
  }
  if (o.instanceType) {
    const gpu = /^ecs\.(gn|vgn|sgn|ebmgn)/.test(o.instanceType);
    notes.push(
      `${o.instanceType}: ${gpu ? 'a GPU type: the boot installs the NVIDIA driver and device plugin' : 'no GPU'}`,
    );
  }
  return { stdout: o.output === 'base64' ? `${rendered.base64}\n` : rendered.script, notes };
}

export function register(program: Command): void {
  program
    .command('render-userdata')
    .description("print the user data a pool's new nodes boot with (what ESS puts on every new instance)")
    .requiredOption('-f, --file <path>', 'a NodePool or ManagedNodePool manifest (- for stdin)')
    .option('--api-server <url>', 'the API server nodes join (default: the current cluster of $KUBECONFIG)')
    .option('--ca-file <path>', "the cluster CA certificate (default: $KUBECONFIG's)")
    .option('--token <token>', 'the bootstrap token (default: a placeholder, for a preview)')
    .option('--cluster-id <id>', 'the cluster id', 'c-local')
    .option('--kubernetes-version <v>', "the cluster's Kubernetes version", VERSIONS.kubernetes)
    .option('--pre-user-data-file <path>', 'the content of preUserDataFrom')
    .option('--user-data-file <path>', 'the content of userDataFrom')
    .option('--join-command <cmd>', 'External: the kubeadm join command of joinCommandSecretRef')
    .option('--script-url <url>', 'External: the join script URL when the pool has none (ack-agent-config)')
    .option('--instance-type <type>', 'say what the boot does differently on this instance type')
    .option('--output <format>', 'script or base64 (as sent to ESS)', 'script')
    .action((o: Options) => {
      if (o.output !== 'script' && o.output !== 'base64') throw new Error('--output: script or base64');
      const { stdout, notes } = renderCommand(o);
      for (const n of notes) process.stderr.write(`${n}\n`);
      process.stdout.write(stdout);
    });
}
