import { AsyncSeriesHook } from 'tapable';
import { armedFault, faultInsideHook, faultPoint, FAULT_STEPS } from '../faults';

describe('fault injection', () => {
  let kill: jest.SpyInstance;
  beforeEach(() => {
    kill = jest.spyOn(process, 'kill').mockImplementation(() => true);
  });
  afterEach(() => kill.mockRestore());

  it('is off without MYDOCKER_FAULT', () => {
    expect(armedFault({})).toBeUndefined();
    faultPoint('run:after-create', {});
    expect(kill).not.toHaveBeenCalled();
  });

  it('kills this process with SIGKILL at the named step only', () => {
    const env = { MYDOCKER_FAULT: 'run:after-create' };
    faultPoint('run:after-validate', env);
    expect(kill).not.toHaveBeenCalled();
    faultPoint('run:after-create', env);
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
  });

  it('refuses a step it does not know, naming the known ones', () => {
    expect(() => armedFault({ MYDOCKER_FAULT: 'run:later' })).toThrow(/names no fault step; known steps: run:after-validate/);
    expect(FAULT_STEPS).toContain('rm:mid-remove');
  });

  it('fires inside a hook after half of its taps ran', async () => {
    const hook = new AsyncSeriesHook<[string[]]>(['ran']);
    for (const name of ['a', 'b', 'c', 'd']) hook.tapPromise(name, async (ran) => void ran.push(name));
    const ran: string[] = [];
    kill.mockImplementation(() => {
      ran.push('KILLED');
      return true;
    });
    faultInsideHook('rm:mid-remove', hook, { MYDOCKER_FAULT: 'rm:mid-remove' });
    await hook.promise(ran);
    expect(ran).toEqual(['a', 'b', 'KILLED', 'c', 'd']);
  });

  it('leaves a hook alone when another step is armed', async () => {
    const hook = new AsyncSeriesHook<[string[]]>(['ran']);
    hook.tapPromise('a', async (ran) => void ran.push('a'));
    faultInsideHook('rm:mid-remove', hook, { MYDOCKER_FAULT: 'run:after-create' });
    await hook.promise([]);
    expect(kill).not.toHaveBeenCalled();
  });
});
