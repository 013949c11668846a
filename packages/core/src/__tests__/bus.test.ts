import { ContainerContext, createEngine, emptyRunSpec, type Engine, LifecycleBus, loadConfig, Stage, type Plugin } from '..';

const config = loadConfig({ env: {}, flags: { root: '/tmp/mydocker-unit-none' } });

function ctxFor(engine: Engine): ContainerContext {
  return new ContainerContext(config, engine.newRecord(emptyRunSpec({ name: 'unit', command: ['/bin/true'] })));
}

describe('LifecycleBus', () => {
  it('freezes its hooks', () => {
    const bus = new LifecycleBus(config);
    expect(Object.isFrozen(bus.hooks)).toBe(true);
    expect(() => {
      (bus.hooks as { validate: unknown }).validate = null;
    }).toThrow();
  });

  it('runs taps in stage order, then registration order', async () => {
    const order: string[] = [];
    const plugin: Plugin = {
      name: 'order',
      apply(bus) {
        bus.hooks.create.tapPromise({ name: 'last', stage: Stage.RECORD }, async () => void order.push('record'));
        bus.hooks.create.tapPromise('b', async () => void order.push('b'));
        bus.hooks.create.tapPromise({ name: 'first', stage: Stage.RESERVE }, async () => void order.push('reserve'));
        bus.hooks.create.tapPromise('c', async () => void order.push('c'));
      },
    };
    const { bus, engine } = createEngine(config, [plugin]);
    await bus.hooks.create.promise(ctxFor(engine));
    expect(order).toEqual(['reserve', 'b', 'c', 'record']);
  });

  it('preRemove stops at the first refusal and later guards do not run', async () => {
    const seen: string[] = [];
    const { bus, engine } = createEngine(config, [
      {
        name: 'guards',
        apply(b) {
          b.hooks.preRemove.tapPromise('ok', async () => void seen.push('ok'));
          b.hooks.preRemove.tapPromise('refuse', async () => {
            seen.push('refuse');
            return 'container is running';
          });
          b.hooks.preRemove.tapPromise('never', async () => void seen.push('never'));
        },
      },
    ]);
    await expect(bus.hooks.preRemove.promise(ctxFor(engine))).resolves.toBe('container is running');
    expect(seen).toEqual(['ok', 'refuse']);
  });

  it('rollback undoes in reverse order and collects failures without stopping', async () => {
    const { engine } = createEngine(config, []);
    const ctx = ctxFor(engine);
    const undone: string[] = [];
    ctx.onRollback('a', () => void undone.push('a'));
    ctx.onRollback('b', () => {
      throw new Error('boom');
    });
    ctx.onRollback('c', async () => void undone.push('c'));
    const failures = await ctx.rollback();
    expect(undone).toEqual(['c', 'a']);
    expect(failures.map((f) => f.message)).toEqual(['b: boom']);
    expect(await ctx.rollback()).toEqual([]);
  });

  it('names the package to install for a missing service', () => {
    const bus = new LifecycleBus(config);
    expect(() => bus.need('runtime', 'Running a container')).toThrow(/@mydocker\/namespaces/);
  });

  it('keeps the flags plugins declare, one owner per spelling', () => {
    const { bus } = createEngine(config, []);
    bus.flags.declare('limits', { name: 'memory', alias: ['m'], type: 'string', describe: 'memory', seed: ['-mem'] });
    expect(bus.flags.find('m')?.owner).toBe('limits');
    expect(bus.flags.find('-mem')?.name).toBe('memory');
    expect(() => bus.flags.declare('other', { name: 'm2', alias: ['m'], type: 'string', describe: 'x' })).toThrow(
      /"m" is declared twice \(by limits and by other\)/,
    );
  });
});
