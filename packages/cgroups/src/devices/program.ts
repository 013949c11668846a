import { endianness } from 'node:os';
import type { DeviceRule } from './rules';

/**
 * cgroup v2 has no devices.allow: the kernel asks a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the
 * cgroup, with a `struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }` (access_type =
 * access << 16 | type), and allows the access when it returns 1. This assembles that program from the
 * rule list, as runc's devicefilter and crun's ebpf.c do; the native tool only loads and attaches it.
 */

/** linux/bpf.h: BPF_DEVCG_DEV_*, BPF_DEVCG_ACC_*. */
export const DEV_BLOCK = 1;
export const DEV_CHAR = 2;
export const ACC_MKNOD = 1;
export const ACC_READ = 2;
export const ACC_WRITE = 4;

/** Opcodes (class | op | source) of the few instructions used. */
export const OP = {
  LDXW: 0x61, // r_dst = *(u32 *)(r_src + off)
  AND32_K: 0x54,
  RSH32_K: 0x74,
  MOV32_K: 0xb4,
  MOV32_X: 0xbc,
  JNE_K: 0x55,
  JNE_X: 0x5d,
  EXIT: 0x95,
} as const;

export interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

export function accessBits(access: string): number {
  return (access.includes('m') ? ACC_MKNOD : 0) | (access.includes('r') ? ACC_READ : 0) | (access.includes('w') ? ACC_WRITE : 0);
}

/** Registers after the prologue: r2 type, r3 requested access, r4 major, r5 minor; r1 is scratch. */
const PROLOGUE: Insn[] = [
  insn(OP.LDXW, 2, 1, 0),
  insn(OP.AND32_K, 2, 0, 0, 0xffff),
  insn(OP.LDXW, 3, 1, 0),
  insn(OP.RSH32_K, 3, 0, 0, 16),
  insn(OP.LDXW, 4, 1, 4),
  insn(OP.LDXW, 5, 1, 8),
];

/** The checks of one rule; each `JNE` jumps to the end of the block (patched once its length is known). */
function ruleBlock(r: DeviceRule): Insn[] {
  const block: Insn[] = [];
  if (r.type !== 'a') block.push(insn(OP.JNE_K, 2, 0, 0, r.type === 'c' ? DEV_CHAR : DEV_BLOCK));
  const bits = accessBits(r.access);
  if (r.type !== 'a' && bits !== (ACC_MKNOD | ACC_READ | ACC_WRITE)) {
    // Matches only when every requested access is granted by the rule: (requested & granted) == requested.
    block.push(insn(OP.MOV32_X, 1, 3), insn(OP.AND32_K, 1, 0, 0, bits), insn(OP.JNE_X, 1, 3, 0));
  }
  if (r.type !== 'a' && r.major !== '*') block.push(insn(OP.JNE_K, 4, 0, 0, r.major));
  if (r.type !== 'a' && r.minor !== '*') block.push(insn(OP.JNE_K, 5, 0, 0, r.minor));
  block.push(insn(OP.MOV32_K, 0, 0, 0, r.allow ? 1 : 0), insn(OP.EXIT));
  block.forEach((ins, i) => {
    if (ins.code === OP.JNE_K || ins.code === OP.JNE_X) ins.off = block.length - i - 1;
  });
  return block;
}

/**
 * The program for a rule list whose later rules win (cgroup v1's order): rules are tested last first and
 * the first match decides. An "a" rule matches everything, so nothing before it is reachable; without
 * one, what no rule matches is denied.
 */
export function assemble(rules: readonly DeviceRule[]): Insn[] {
  const out = [...PROLOGUE];
  let catchAll = false;
  for (let i = rules.length - 1; i >= 0; i--) {
    out.push(...ruleBlock(rules[i]));
    if (rules[i].type === 'a') {
      catchAll = true;
      break;
    }
  }
  if (!catchAll) out.push(insn(OP.MOV32_K, 0, 0, 0, 0), insn(OP.EXIT));
  return out;
}

/** `struct bpf_insn` bytes in this machine's byte order (the register nibbles follow the bitfield order). */
export function encode(program: readonly Insn[], order: 'LE' | 'BE' = endianness()): Buffer {
  const buf = Buffer.alloc(program.length * 8);
  program.forEach((ins, i) => {
    const o = i * 8;
    buf.writeUInt8(ins.code, o);
    buf.writeUInt8(order === 'LE' ? (ins.src << 4) | ins.dst : (ins.dst << 4) | ins.src, o + 1);
    if (order === 'LE') {
      buf.writeInt16LE(ins.off, o + 2);
      buf.writeInt32LE(ins.imm, o + 4);
    } else {
      buf.writeInt16BE(ins.off, o + 2);
      buf.writeInt32BE(ins.imm, o + 4);
    }
  });
  return buf;
}
