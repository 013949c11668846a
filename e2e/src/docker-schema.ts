import { dirname, join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { createGenerator } from 'ts-json-schema-generator';

/**
 * JSON Schemas of Docker Engine API 1.41 bodies, made at test time from the models `docker-types` generated
 * out of Docker's published swagger (the swagger itself is on no registry): ts-json-schema-generator turns
 * each `generated/1.41/models/*.ts` type into a JSON Schema, ajv validates the service's real answers
 * against it. Required fields and types are enforced; extra fields are allowed (Docker adds fields from
 * one API version to the next, and we answer 1.43).
 */

const MODELS = join(dirname(require.resolve('docker-types/package.json')), 'generated', '1.41', 'models');
const SCHEMA_ID = 'docker-1.41';

/** Body names the tests check: a generated model, or one of the composites below. */
export type DockerBody =
  | 'ContainerSummary'
  | 'ContainerInspectResponse'
  | 'ContainerConfig'
  | 'HostConfig'
  | 'ContainerWaitResponse'
  | 'ExecInspectResponse'
  | 'ImageSummary'
  | 'ImageInspect'
  | 'SystemVersion'
  | 'SystemInfo'
  | 'Network'
  | 'Volume'
  | 'VolumeListResponse';

const ref = (name: string) => ({ $ref: `${SCHEMA_ID}#/definitions/${name}` });

/**
 * Swagger 1.41 describes these two answers inline (no named model, so docker-types has none): their
 * top level is spelled here as the swagger has it, every nested object is the generated model. The swagger
 * marks nothing required there; `required` lists the members Docker always sends and its CLI reads.
 */
const COMPOSITES: Record<string, object> = {
  ContainerInspectResponse: {
    type: 'object',
    required: ['Id', 'Created', 'State', 'Image', 'Name', 'Config', 'HostConfig', 'NetworkSettings', 'Mounts'],
    properties: {
      Id: { type: 'string' },
      Created: { type: 'string' },
      Path: { type: 'string' },
      Args: { type: 'array', items: { type: 'string' } },
      State: ref('ContainerState'),
      Image: { type: 'string' },
      Name: { type: 'string' },
      RestartCount: { type: 'integer' },
      Driver: { type: 'string' },
      Platform: { type: 'string' },
      MountLabel: { type: 'string' },
      ProcessLabel: { type: 'string' },
      AppArmorProfile: { type: 'string' },
      ExecIDs: { type: ['array', 'null'], items: { type: 'string' } },
      HostConfig: ref('HostConfig'),
      GraphDriver: ref('GraphDriverData'),
      SizeRw: { type: 'integer' },
      SizeRootFs: { type: 'integer' },
      Mounts: { type: 'array', items: ref('MountPoint') },
      Config: ref('ContainerConfig'),
      NetworkSettings: ref('NetworkSettings'),
    },
  },
  ExecInspectResponse: {
    type: 'object',
    // ExitCode is null while the process runs.
    required: ['ID', 'Running', 'ProcessConfig', 'ContainerID'],
    properties: {
      CanRemove: { type: 'boolean' },
      DetachKeys: { type: 'string' },
      ID: { type: 'string' },
      Running: { type: 'boolean' },
      ExitCode: { type: ['integer', 'null'] },
      ProcessConfig: ref('ProcessConfig'),
      OpenStdin: { type: 'boolean' },
      OpenStderr: { type: 'boolean' },
      OpenStdout: { type: 'boolean' },
      ContainerID: { type: 'string' },
      Pid: { type: 'integer' },
    },
  },
};

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** All 1.41 model schemas in one document (one TypeScript program: a few seconds, so made once per file). */
function loaded(): Ajv {
  if (ajv) return ajv;
  const schema = createGenerator({
    path: join(MODELS, '*.ts'),
    type: '*',
    expose: 'export',
    topRef: true,
    skipTypeCheck: true,
    // Docker adds fields across versions: unknown keys pass, known keys must have their type.
    additionalProperties: true,
  }).createSchema('*');
  // ajv strict mode would reject the generator's doc keywords; formats are not part of the contract here.
  openLogDriverEnum(schema);
  ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema({ ...schema, $id: SCHEMA_ID });
  return ajv;
}

/**
 * The swagger's LogConfig.Type enum lists nine drivers, yet Docker itself answers `local` (its own driver) or
 * a plugin's name there; mydocker's default is Podman's `k8s-file`. So that one enum is read as a string.
 */
function openLogDriverEnum(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  const type = (o.properties as Record<string, { enum?: unknown[] }> | undefined)?.Type;
  if (type?.enum?.includes('json-file')) (o.properties as Record<string, unknown>).Type = { type: 'string' };
  for (const child of Object.values(o)) openLogDriverEnum(child);
}

/**
 * Docker's daemon writes `null` for every unset Go slice, map or pointer (`"Binds": null`, `"Entrypoint":
 * null`), which its swagger does not mark nullable; Go clients read null exactly as an absent key. So a
 * null member is checked as absent: an optional one passes, a required one is still missing.
 */
function withoutNullMembers(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(withoutNullMembers);
  if (!body || typeof body !== 'object') return body;
  return Object.fromEntries(
    Object.entries(body)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNullMembers(v)]),
  );
}

function validatorOf(name: DockerBody): ValidateFunction {
  let v = compiled.get(name);
  if (!v) {
    v = loaded().compile(COMPOSITES[name] ?? ref(name));
    compiled.set(name, v);
  }
  return v;
}

/** The schema errors of `body` as `name` (empty when it conforms), one readable line each. */
export function schemaErrors(name: DockerBody, body: unknown): string[] {
  const v = validatorOf(name);
  if (v(withoutNullMembers(body))) return [];
  return (v.errors ?? []).map((e) => `${name}${e.instancePath || '/'} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`);
}
