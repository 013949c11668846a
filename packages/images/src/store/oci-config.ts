import { newSha256, type ImageConfig } from '@mydocker/core';

/** The OCI image config (application/vnd.oci.image.config.v1+json), the parts we read and write. */
export interface OciImageConfig {
  architecture: string;
  os: string;
  created?: string;
  author?: string;
  config?: {
    Env?: string[] | null;
    Cmd?: string[] | null;
    Entrypoint?: string[] | null;
    WorkingDir?: string;
    User?: string;
    [key: string]: unknown;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>;
  [key: string]: unknown;
}

export function sha256(data: string | Buffer): string {
  return newSha256().update(data).digest('hex');
}

export function toImageConfig(oci: OciImageConfig): ImageConfig {
  const c = oci.config ?? {};
  return {
    env: c.Env ?? [],
    cmd: c.Cmd ?? [],
    entrypoint: c.Entrypoint ?? [],
    workdir: c.WorkingDir || '/',
    user: c.User || undefined,
    volumes: objectKeys(c.Volumes),
    exposedPorts: objectKeys(c.ExposedPorts),
    stopSignal: typeof c.StopSignal === 'string' && c.StopSignal ? c.StopSignal : undefined,
    labels: stringMap(c.Labels),
    healthcheck: healthcheckOf(c.Healthcheck),
  };
}

/** The image's HEALTHCHECK (Docker's config.Healthcheck: Test, and durations in nanoseconds). */
function healthcheckOf(v: unknown): ImageConfig['healthcheck'] {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const h = v as Record<string, unknown>;
  if (!Array.isArray(h.Test) || !h.Test.every((t) => typeof t === 'string') || h.Test.length === 0) return undefined;
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : undefined);
  return {
    test: h.Test as string[],
    interval: num(h.Interval),
    timeout: num(h.Timeout),
    startPeriod: num(h.StartPeriod),
    startInterval: num(h.StartInterval),
    retries: num(h.Retries),
  };
}

function objectKeys(v: unknown): string[] {
  return v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v).sort() : [];
}

function stringMap(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
}

export function goArch(): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
  return map[process.arch] ?? process.arch;
}

/** A config for a new image: `base` (if any) with `diffIds` as its layers. */
export function makeConfig(options: {
  base?: OciImageConfig;
  diffIds: string[];
  created: string;
  createdBy: string;
  config?: OciImageConfig['config'];
  comment?: string;
  author?: string;
}): OciImageConfig {
  return {
    architecture: options.base?.architecture ?? goArch(),
    os: 'linux',
    created: options.created,
    ...(options.author ? { author: options.author } : {}),
    config: { ...(options.base?.config ?? {}), ...(options.config ?? {}) },
    rootfs: { type: 'layers', diff_ids: options.diffIds.map((d) => (d.startsWith('sha256:') ? d : `sha256:${d}`)) },
    history: [
      ...(options.base?.history ?? []),
      { created: options.created, created_by: options.createdBy, ...(options.comment ? { comment: options.comment } : {}) },
    ],
  };
}

/** Checks a parsed JSON value is usable as an image config; one sentence otherwise. */
export function checkConfig(value: unknown, where: string): OciImageConfig {
  const v = value as OciImageConfig;
  if (!v || typeof v !== 'object' || !v.rootfs || !Array.isArray(v.rootfs.diff_ids)) {
    throw new Error(`${where} is not an image config (it has no rootfs.diff_ids)`);
  }
  for (const d of v.rootfs.diff_ids) if (!/^sha256:[0-9a-f]{64}$/.test(d)) throw new Error(`${where} names an invalid layer digest ${JSON.stringify(d)}`);
  return v;
}

/**
 * Image references: `name[:tag]`, with Docker Hub's implicit `library/` and `docker.io/` dropped, so
 * that `busybox`, `busybox:latest` and `docker.io/library/busybox` are one image.
 */
export function normalizeReference(ref: string): string {
  let name = ref.trim();
  name = name
    .replace(/^docker\.io\//, '')
    .replace(/^index\.docker\.io\//, '')
    .replace(/^library\//, '');
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon <= lastSlash) name = `${name}:latest`;
  return name;
}

const REFERENCE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127}$/;

export function isValidReference(normalized: string): boolean {
  return REFERENCE.test(normalized);
}

export function splitReference(normalized: string): { repository: string; tag: string } {
  const colon = normalized.lastIndexOf(':');
  return { repository: normalized.slice(0, colon), tag: normalized.slice(colon + 1) };
}
