import { spawn } from 'node:child_process';
import { pidNamespaceOf, processStartTime, proveContainerProcess } from '../process';

describe('proveContainerProcess', () => {
  const self = process.pid;
  const start = processStartTime(self)!;
  const ns = pidNamespaceOf(self)!;

  it('proves a PID with the recorded start time in the recorded pid namespace', () => {
    expect(proveContainerProcess(self, start, ns)).toEqual({ ours: true });
  });

  it('never proves a live PID without a start time, with another start time, or in another namespace', () => {
    expect(proveContainerProcess(self, undefined, ns)).toEqual({ ours: false, stranger: `PID ${self} has no start time in the record` });
    expect(proveContainerProcess(self, start + 1, ns).stranger).toMatch(/started at another time than the record says/);
    expect(proveContainerProcess(self, start, 'pid:[1]').stranger).toMatch(/is not in the container's pid namespace/);
    // Without a recorded namespace, a process in the engine's own pid namespace is not a container's PID 1.
    expect(proveContainerProcess(self, start, undefined).stranger).toMatch(/is not in the container's pid namespace/);
  });

  it('a PID that is gone is simply not running, with nothing to warn about', async () => {
    const child = spawn('true');
    await new Promise((r) => child.on('exit', r));
    expect(proveContainerProcess(child.pid, 1, undefined)).toEqual({ ours: false });
    expect(proveContainerProcess(undefined, undefined, undefined)).toEqual({ ours: false });
    expect(proveContainerProcess(-1, 1, undefined)).toEqual({ ours: false });
  });
});
