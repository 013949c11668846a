import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyRunSpec, generateId, type ContainerRecord } from '@mydocker/core';

export function tempRoots(): { root: string; runRoot: string; dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-state-unit-'));
  return { dir, root: join(dir, 'root'), runRoot: join(dir, 'run'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function makeRecord(name: string, overrides: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: generateId(),
    name,
    image: 'busybox',
    command: ['sh'],
    createdAt: new Date().toISOString(),
    status: 'created',
    env: [],
    hostname: name,
    workdir: '/',
    tty: false,
    detach: true,
    autoRemove: false,
    spec: emptyRunSpec({ name, command: ['sh'] }),
    ext: {},
    ...overrides,
  };
}
