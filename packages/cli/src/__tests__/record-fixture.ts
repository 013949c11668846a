import { emptyRunSpec, type ContainerRecord } from '@mydocker/core';

/** A running detached busybox container's record, with what a test changes. */
export function recordFixture(overrides: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: '83a4c96c8392f91b49f9ffe449ba04934e9ae3f52e7342dc3cb5c46efade8f74',
    name: 'test',
    image: 'busybox',
    command: ['/bin/top'],
    createdAt: '2026-11-30T11:59:57.000Z',
    status: 'running',
    env: [],
    hostname: 'h',
    workdir: '/',
    tty: false,
    detach: true,
    autoRemove: false,
    spec: emptyRunSpec(),
    ext: {},
    ...overrides,
  };
}
