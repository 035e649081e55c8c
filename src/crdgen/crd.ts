import { stringify } from 'yaml';
import type * as z from 'zod';
import { CATEGORY, GROUP, KINDS, VERSION, type Kind } from '../apis/v1beta1/constants.js';
import { POOL_NAME_MAX, SPEC_SCHEMAS } from '../apis/v1beta1/kinds.js';
import { PoolStatus } from '../apis/v1beta1/status.js';
import { StructuralSchemaError, lint, structuralSchemaOf, type Schema } from './structural.js';

export interface CrdOptions {
  /** Another API group (tests install variants of the CRD under their own group). */
  group?: string;
  /** Transform the spec schema before it is written (tests use it to model an older version of the API). */
  mapSpec?: (spec: Schema) => Schema;
}

const KIND_DESCRIPTION: Record<Kind, string> = {
  NodePool:
    'A pool of Alibaba Cloud ECS instances joined to this cluster as nodes: one ESS scaling group and scaling configuration, Manual (fixed size) or Auto (scaled between bounds), billed PayAsYouGo, Subscription or Spot.',
  ManagedNodePool:
    'An intelligent managed pool: ContainerOS nodes scaled automatically from pending pods, with self-healing, automatic OS upgrades, CVE patching and ECS system-event handling.',
};

function schemaFor(kind: Kind, opts: CrdOptions): Schema {
  const what = `${kind}.spec`;
  let spec = structuralSchemaOf(SPEC_SCHEMAS[kind] as z.ZodType, what);
  if (opts.mapSpec) spec = opts.mapSpec(spec);
  const status = structuralSchemaOf(PoolStatus, `${kind}.status`);
  const root: Schema = {
    type: 'object',
    description: KIND_DESCRIPTION[kind],
    required: ['spec'],
    properties: {
      apiVersion: {
        type: 'string',
        description: `APIVersion defines the versioned schema of this representation of an object: ${GROUP}/${VERSION}.`,
      },
      kind: { type: 'string', description: `Kind is the REST resource this object represents: ${kind}.` },
      // a pool's name is a label value on its Nodes: 63 characters at most. The schema (only metadata.name may
      // be restricted) and a CEL rule that holds on create only (optionalOldSelf: a pool that exists is never
      // refused an update for its name, not even the removal of its finalizer)
      metadata: {
        type: 'object',
        properties: { name: { type: 'string', maxLength: POOL_NAME_MAX } },
      },
      spec,
      status,
    },
    'x-kubernetes-validations': [
      {
        rule: `oldSelf.hasValue() || self.metadata.name.size() <= ${POOL_NAME_MAX}`,
        optionalOldSelf: true,
        message: `metadata.name must be at most ${POOL_NAME_MAX} characters: it is a label value on the pool's Nodes`,
        fieldPath: '.metadata.name',
      },
    ],
  };
  const problems = lint(spec, `${kind}.spec`).concat(lint(status, `${kind}.status`));
  if (problems.length > 0)
    throw new StructuralSchemaError(`the ${kind} schema is not fit for a CRD:\n  ${problems.join('\n  ')}`);
  return root;
}

/** The CustomResourceDefinition of one kind, as an object. */
export function buildCrd(kind: Kind, opts: CrdOptions = {}): Schema {
  const k = KINDS[kind];
  const group = opts.group ?? GROUP;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${group}` },
    spec: {
      group,
      scope: 'Cluster',
      names: {
        kind: k.kind,
        listKind: `${k.kind}List`,
        plural: k.plural,
        singular: k.singular,
        shortNames: [...k.shortNames],
        categories: [CATEGORY],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Mode', type: 'string', jsonPath: '.spec.scaling.mode', description: 'Manual or Auto.' },
            {
              name: 'Desired',
              type: 'integer',
              jsonPath: '.status.desiredSize',
              description: 'Nodes the pool aims for.',
            },
            {
              name: 'Current',
              type: 'integer',
              jsonPath: '.status.currentSize',
              description: 'Instances in the scaling group.',
            },
            {
              name: 'Ready',
              type: 'integer',
              jsonPath: '.status.readySize',
              description: 'Instances that are Ready nodes.',
            },
            {
              name: 'Scaling-Group',
              type: 'string',
              jsonPath: '.status.scalingGroupId',
              description: 'The ESS scaling group.',
            },
            {
              name: 'Pool-Ready',
              type: 'string',
              jsonPath: '.status.conditions[?(@.type=="Ready")].status',
              description: "The pool's Ready condition.",
            },
            {
              name: 'Phase',
              type: 'string',
              jsonPath: '.status.phase',
              priority: 1,
              description: 'The lifecycle phase.',
            },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: schemaFor(kind, opts) },
        },
      ],
    },
  };
}

/** The file a kind's CRD is written to, under crds/. */
export function crdFileName(kind: Kind): string {
  return `${GROUP}_${KINDS[kind].plural}.yaml`;
}

/** The CRD as the YAML text checked in under crds/. */
export function crdYaml(kind: Kind, opts: CrdOptions = {}): string {
  return (
    '# Generated by `npm run gen:crds` from the zod schemas in src/apis/v1beta1/. Do not edit.\n' +
    stringify(buildCrd(kind, opts), { lineWidth: 0, aliasDuplicateObjects: false })
  );
}

export const CRD_KINDS: readonly Kind[] = ['NodePool', 'ManagedNodePool'];
