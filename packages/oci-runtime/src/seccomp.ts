import { OciError } from './errors';
import type { OciSeccomp } from './spec-types';
import type { Entry } from './launch-entries';

/** libseccomp's action values (seccomp.h): ERRNO and TRACE carry their data in the low 16 bits. */
const ACTIONS: Record<string, (data: number) => number> = {
  SCMP_ACT_KILL: () => 0x00000000,
  SCMP_ACT_KILL_THREAD: () => 0x00000000,
  SCMP_ACT_KILL_PROCESS: () => 0x80000000,
  SCMP_ACT_TRAP: () => 0x00030000,
  SCMP_ACT_ERRNO: (errno) => 0x00050000 | (errno & 0xffff),
  SCMP_ACT_TRACE: (errno) => 0x7ff00000 | (errno & 0xffff),
  SCMP_ACT_LOG: () => 0x7ffc0000,
  SCMP_ACT_ALLOW: () => 0x7fff0000,
};
export const SECCOMP_ACTIONS = [...Object.keys(ACTIONS), 'SCMP_ACT_NOTIFY'];

/** enum scmp_compare. */
const OPERATORS: Record<string, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};
export const SECCOMP_OPERATORS = Object.keys(OPERATORS);

/** runtime-spec names → libseccomp's. */
const ARCHES: Record<string, string> = {
  SCMP_ARCH_X86: 'x86',
  SCMP_ARCH_X86_64: 'x86_64',
  SCMP_ARCH_X32: 'x32',
  SCMP_ARCH_ARM: 'arm',
  SCMP_ARCH_AARCH64: 'aarch64',
  SCMP_ARCH_MIPS: 'mips',
  SCMP_ARCH_MIPS64: 'mips64',
  SCMP_ARCH_MIPS64N32: 'mips64n32',
  SCMP_ARCH_MIPSEL: 'mipsel',
  SCMP_ARCH_MIPSEL64: 'mipsel64',
  SCMP_ARCH_MIPSEL64N32: 'mipsel64n32',
  SCMP_ARCH_PPC: 'ppc',
  SCMP_ARCH_PPC64: 'ppc64',
  SCMP_ARCH_PPC64LE: 'ppc64le',
  SCMP_ARCH_S390: 's390',
  SCMP_ARCH_S390X: 's390x',
  SCMP_ARCH_RISCV64: 'riscv64',
};
export const SECCOMP_ARCHES = Object.keys(ARCHES);
const FLAGS = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'];
const EPERM = 1;

function action(name: string, errnoRet: number | undefined, where: string): number {
  if (name === 'SCMP_ACT_NOTIFY') throw new OciError(`The seccomp action SCMP_ACT_NOTIFY (${where}) needs a listener, which mydocker-oci does not support.`);
  const make = ACTIONS[name];
  if (!make) throw new OciError(`The seccomp action "${name}" (${where}) is not known.`);
  return make(errnoRet ?? EPERM) >>> 0;
}

/** The whole OCI seccomp profile as launch entries; the helper builds the filter with libseccomp. */
export function seccompEntries(profile: OciSeccomp): Entry[] {
  if (profile.listenerPath) throw new OciError('A seccomp listenerPath is not supported by mydocker-oci.');
  const out: Entry[] = [['sc_default', action(profile.defaultAction, profile.defaultErrnoRet, 'defaultAction').toString(16)]];
  for (const arch of profile.architectures ?? []) {
    if (!ARCHES[arch]) throw new OciError(`The seccomp architecture "${arch}" is not known.`);
    out.push(['sc_arch', ARCHES[arch]]);
  }
  for (const flag of profile.flags ?? []) {
    if (!FLAGS.includes(flag)) throw new OciError(`The seccomp flag "${flag}" is not supported by mydocker-oci.`);
    out.push(['sc_flag', flag]);
  }
  for (const [i, rule] of (profile.syscalls ?? []).entries()) {
    const act = action(rule.action, rule.errnoRet, `syscalls[${i}]`);
    const args = (rule.args ?? []).map((a) => {
      const op = OPERATORS[a.op];
      if (op === undefined) throw new OciError(`The seccomp operator "${a.op}" (syscalls[${i}]) is not known.`);
      if (!Number.isInteger(a.index) || a.index < 0 || a.index > 5)
        throw new OciError(`The seccomp argument index ${a.index} (syscalls[${i}]) must be 0 to 5.`);
      return `${a.index}:${op}:${BigInt.asUintN(64, BigInt(a.value))}:${BigInt.asUintN(64, BigInt(a.valueTwo ?? 0))}`;
    });
    if (args.length > 6) throw new OciError(`syscalls[${i}] of the seccomp profile has more than 6 argument filters.`);
    for (const name of rule.names ?? []) out.push(['sc_rule', `${name}\x1f${act.toString(16)}\x1f${args.join(';')}`]);
  }
  return out;
}
