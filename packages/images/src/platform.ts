import { UsageError } from '@mydocker/core';

/** Platforms as OCI indexes describe them, and the choice of the host's one. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export function hostPlatform(): Platform {
  const architecture = GO_ARCH[process.arch] ?? process.arch;
  if (architecture === 'arm64') return { os: 'linux', architecture, variant: 'v8' };
  if (architecture === 'arm') {
    const v = (process.config.variables as { arm_version?: string }).arm_version;
    return { os: 'linux', architecture, variant: `v${v ?? '7'}` };
  }
  return { os: 'linux', architecture };
}

/** `os/arch[/variant]`, as --platform and the error messages spell it. */
/** `--platform OS/ARCH[/VARIANT]` as the user typed it; one sentence when it is not that shape. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_]+$/.test(p))) {
    throw new UsageError(`Invalid platform "${text}": use OS/ARCH[/VARIANT], such as linux/amd64.`);
  }
  return { os: parts[0], architecture: parts[1], ...(parts[2] ? { variant: parts[2] } : {}) };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/**
 * The entry of an index that runs on `wanted`, as containerd's matcher picks it: the same os and
 * architecture, and a variant that is the wanted one or absent (arm64's `v8` is its default, so an
 * entry without a variant matches). The exact variant is preferred; among equals, the first entry.
 * Attestation manifests (`unknown/unknown`) never match.
 */
export function choosePlatform<T extends { platform?: Partial<Platform> }>(entries: T[], wanted: Platform): T | undefined {
  let fallback: T | undefined;
  for (const e of entries) {
    const p = e.platform;
    if (!p || p.os !== wanted.os || p.architecture !== wanted.architecture) continue;
    const variant = p.variant || undefined;
    if (variant === wanted.variant) return e;
    const isDefault =
      wanted.architecture === 'arm64' && (variant === undefined || variant === 'v8') && (wanted.variant === undefined || wanted.variant === 'v8');
    if (isDefault || variant === undefined) fallback ??= e;
  }
  return fallback;
}
