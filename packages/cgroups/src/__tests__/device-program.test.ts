import { ACC_MKNOD, ACC_READ, ACC_WRITE, assemble, DEV_BLOCK, DEV_CHAR, encode, OP, type Insn } from '../devices/program';
import { deviceRules, type DeviceRule } from '../devices/rules';

/**
 * Runs a device program the way the kernel would for one request: a tiny interpreter of the instructions
 * the assembler emits. Anything else fails the test, so the program cannot grow an instruction these
 * tests do not understand.
 */
function run(program: Insn[], type: 'c' | 'b', major: number, minor: number, access: string): boolean {
  const ctx = [(accessOf(access) << 16) | (type === 'c' ? DEV_CHAR : DEV_BLOCK), major, minor];
  const r = new Array<number>(11).fill(0);
  for (let pc = 0, steps = 0; pc < program.length && steps < 10_000; pc++, steps++) {
    const { code, dst, src, off, imm } = program[pc];
    switch (code) {
      case OP.LDXW:
        expect(src).toBe(1);
        expect(off % 4).toBe(0);
        r[dst] = ctx[off / 4] >>> 0;
        break;
      case OP.AND32_K:
        r[dst] = (r[dst] & imm) >>> 0;
        break;
      case OP.RSH32_K:
        r[dst] = r[dst] >>> imm;
        break;
      case OP.MOV32_K:
        r[dst] = imm >>> 0;
        break;
      case OP.MOV32_X:
        r[dst] = r[src] >>> 0;
        break;
      case OP.JNE_K:
        if (r[dst] !== imm) pc += off;
        break;
      case OP.JNE_X:
        if (r[dst] !== r[src]) pc += off;
        break;
      case OP.EXIT:
        return r[0] === 1;
      default:
        throw new Error(`unexpected opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error('the program ran off its end or did not finish');
}

const accessOf = (a: string) => (a.includes('m') ? ACC_MKNOD : 0) | (a.includes('r') ? ACC_READ : 0) | (a.includes('w') ? ACC_WRITE : 0);

/** cgroup v1's semantics, the reference: the last rule that covers the request decides; none denies. */
function reference(rules: readonly DeviceRule[], type: 'c' | 'b', major: number, minor: number, access: string): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const x = rules[i];
    if (x.type !== 'a' && x.type !== type) continue;
    if (x.type !== 'a' && ![...access].every((c) => x.access.includes(c))) continue;
    if (x.type !== 'a' && x.major !== '*' && x.major !== major) continue;
    if (x.type !== 'a' && x.minor !== '*' && x.minor !== minor) continue;
    return x.allow;
  }
  return false;
}

function listing(program: Insn[]): string[] {
  const names = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k]));
  return program.map((i) => `${names[i.code]} ${i.dst} ${i.src} ${i.off} ${i.imm}`);
}

describe('the cgroup v2 device program', () => {
  const defaults = assemble(deviceRules([], false));

  it.each([
    ['c', 1, 3, 'rw', true], // null
    ['c', 1, 9, 'r', true], // urandom
    ['c', 136, 7, 'rw', true], // a pts
    ['c', 5, 2, 'rw', true], // ptmx
    ['c', 10, 200, 'rw', true], // tun
    ['c', 1, 11, 'm', true], // mknod of anything
    ['b', 8, 0, 'm', true],
    ['c', 1, 11, 'w', false], // kmsg
    ['c', 1, 11, 'r', false],
    ['c', 1, 11, 'rm', false], // only part of it granted
    ['c', 1, 1, 'r', false], // mem
    ['b', 8, 0, 'rw', false], // a disk
    ['c', 10, 237, 'r', false], // loop-control
  ] as const)('default rules: %s %i:%i %s -> %s', (type, major, minor, access, allowed) => {
    expect(run(defaults, type, major, minor, access)).toBe(allowed);
  });

  it('grants a --device node exactly the access it names', () => {
    const program = assemble(deviceRules([{ path: '/dev/k', type: 'c', major: 1, minor: 11, access: 'r', fileMode: 0o600, uid: 0, gid: 0 }], false));
    expect(run(program, 'c', 1, 11, 'r')).toBe(true);
    expect(run(program, 'c', 1, 11, 'w')).toBe(false);
    expect(run(program, 'c', 1, 12, 'r')).toBe(false);
  });

  it('privileged: allows everything in two instructions after the prologue', () => {
    const program = assemble(deviceRules([], true));
    expect(listing(program).slice(6)).toEqual(['MOV32_K 0 0 0 1', 'EXIT 0 0 0 0']);
    expect(run(program, 'b', 8, 0, 'rw')).toBe(true);
  });

  it('an empty list denies everything', () => {
    expect(run(assemble([]), 'c', 1, 3, 'r')).toBe(false);
  });

  it('lays out one block per rule, last rule first, each jump landing on the next block', () => {
    const rules: DeviceRule[] = [
      { type: 'a', major: '*', minor: '*', access: 'rwm', allow: false },
      { type: 'c', major: 1, minor: 3, access: 'rw', allow: true },
    ];
    expect(listing(assemble(rules))).toEqual([
      'LDXW 2 1 0 0',
      'AND32_K 2 0 0 65535',
      'LDXW 3 1 0 0',
      'RSH32_K 3 0 0 16',
      'LDXW 4 1 4 0',
      'LDXW 5 1 8 0',
      'JNE_K 2 0 7 2',
      'MOV32_X 1 3 0 0',
      'AND32_K 1 0 0 6',
      'JNE_X 1 3 4 0',
      'JNE_K 4 0 3 1',
      'JNE_K 5 0 2 3',
      'MOV32_K 0 0 0 1',
      'EXIT 0 0 0 0',
      'MOV32_K 0 0 0 0',
      'EXIT 0 0 0 0',
    ]);
  });

  it('agrees with cgroup v1 semantics (last matching rule wins) on every request over mixed rule lists', () => {
    const lists: DeviceRule[][] = [
      deviceRules([], false),
      [
        { type: 'a', major: '*', minor: '*', access: 'rwm', allow: true },
        { type: 'c', major: 1, minor: '*', access: 'w', allow: false },
      ],
      [
        { type: 'c', major: '*', minor: 3, access: 'r', allow: true },
        { type: 'b', major: 8, minor: '*', access: 'rw', allow: true },
        { type: 'b', major: 8, minor: 1, access: 'w', allow: false },
      ],
    ];
    const accesses = ['r', 'w', 'm', 'rw', 'rm', 'wm', 'rwm'];
    for (const rules of lists) {
      const program = assemble(rules);
      for (const type of ['c', 'b'] as const)
        for (const major of [1, 5, 8, 10, 136, 4095])
          for (const minor of [0, 1, 3, 11, 200, 0xfffff])
            for (const access of accesses)
              expect([type, major, minor, access, run(program, type, major, minor, access)]).toEqual([
                type,
                major,
                minor,
                access,
                reference(rules, type, major, minor, access),
              ]);
    }
  });

  it('encodes struct bpf_insn: opcode, src<<4|dst on little-endian, off, imm', () => {
    const bytes = encode(
      [
        { code: OP.LDXW, dst: 4, src: 1, off: 4, imm: 0 },
        { code: OP.JNE_K, dst: 5, src: 0, off: 2, imm: -1 },
      ],
      'LE',
    );
    expect(bytes.toString('hex')).toBe('6114040000000000' + '55050200ffffffff');
    expect(encode([{ code: OP.LDXW, dst: 4, src: 1, off: 4, imm: 7 }], 'BE').toString('hex')).toBe('6141000400000007');
  });
});
