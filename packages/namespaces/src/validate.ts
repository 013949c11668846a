import type { ContainerContext } from '@mydocker/core';
import { attachStreams, parseDetachKeys } from './attach-options';
import { buildSecurity } from './capabilities';
import { checkHostname, mergeEnv, resolveCommand, resolveUser, resolveWorkdir } from './command-resolution';
import { resolveDevices } from './devices';
import { PLUGIN_NAME, type NamespacesExt } from './ext';
import { resolveHealthcheck } from './health/config';
import { healthFlags, runtimeFlags } from './flags';

/** The `validate` step: what runs, with which environment, as whom, with which privileges. */
export function resolveForRun(ctx: ContainerContext): void {
  const { spec, record, image } = ctx;
  const flags = runtimeFlags(spec);
  const security = buildSecurity(flags);
  attachStreams(spec);
  if (spec.detachKeys !== undefined) parseDetachKeys(spec.detachKeys);
  checkHostname(record.hostname);
  record.command = resolveCommand(spec, image);
  record.env = mergeEnv(image?.env ?? [], spec.env);
  record.workdir = resolveWorkdir(spec, image);
  record.user = resolveUser(spec, image);
  record.devices = resolveDevices(flags.devices, flags.privileged);
  if (flags.privileged) record.privileged = true;
  else delete record.privileged;
  const healthcheck = resolveHealthcheck(healthFlags(spec), image?.healthcheck);
  ctx.security = security;
  ctx.setExt(PLUGIN_NAME, { security, ...(healthcheck ? { healthcheck } : {}) } satisfies NamespacesExt);
}
