import type { NetworkEnv } from '../context';
import { isPredefined, predefinedId, predefinedMatches, predefinedRow } from '../predefined';

const envFor = (rootHash: string) => ({ paths: { rootHash }, bus: { config: { root: '/nonexistent-root' } } }) as unknown as NetworkEnv;

describe('pre-defined networks host and none', () => {
  const env = envFor('abcd1234');

  it('rows with Docker drivers (host, null), local scope, and ids stable per root', () => {
    expect(predefinedRow(env, 'host')).toMatchObject({ Name: 'host', Driver: 'host', Scope: 'local', Subnet: '' });
    expect(predefinedRow(env, 'none')).toMatchObject({ Name: 'none', Driver: 'null', Scope: 'local' });
    expect(predefinedRow(env, 'none').ID).toHaveLength(12);
    expect(predefinedRow(env, 'none', true).ID).toBe(predefinedId(env, 'none'));
    expect(predefinedId(env, 'host')).toMatch(/^[0-9a-f]{64}$/);
    expect(predefinedId(env, 'host')).toBe(predefinedId(envFor('abcd1234'), 'host'));
    expect(predefinedId(env, 'host')).not.toBe(predefinedId(envFor('ffff0000'), 'host'));
    expect(predefinedId(env, 'host')).not.toBe(predefinedId(env, 'none'));
    expect(isPredefined('host') && isPredefined('none') && !isPredefined('bridge')).toBe(true);
  });

  it('match the ls filters as Docker: builtin, never dangling, by driver, name part and id prefix', () => {
    const row = predefinedRow(env, 'none');
    const id = predefinedId(env, 'none');
    const f = (entries: Array<[string, string[]]>) => predefinedMatches(row, id, new Map(entries));
    expect(f([])).toBe(true);
    expect(f([['driver', ['null']]])).toBe(true);
    expect(f([['driver', ['bridge']]])).toBe(false);
    expect(f([['type', ['builtin']]])).toBe(true);
    expect(f([['type', ['custom']]])).toBe(false);
    expect(f([['dangling', ['true']]])).toBe(false);
    expect(f([['dangling', ['false']]])).toBe(true);
    expect(f([['name', ['on']]])).toBe(true);
    expect(f([['id', [id.slice(0, 5)]]])).toBe(true);
    expect(f([['label', ['a=b']]])).toBe(false);
  });
});
