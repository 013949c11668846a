import { badRequest } from './api-error';

/**
 * Docker's `filters` query parameter, `{"status":["running"],"label":["a=b"]}` (or the older
 * `{"status":{"running":true}}`), as the `KEY=VALUE` list the CLI's `--filter` flags give.
 */
export function filterList(raw: string | null): string[] {
  if (raw === null || raw === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(`Invalid filters "${raw}": give a JSON object such as {"status":["running"]}.`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest(`Invalid filters "${raw}": give a JSON object.`);
  const out: string[] = [];
  for (const [key, values] of Object.entries(parsed as Record<string, unknown>)) {
    const list = Array.isArray(values)
      ? values
      : values && typeof values === 'object'
        ? Object.keys(values).filter((k) => (values as Record<string, unknown>)[k])
        : undefined;
    if (!list || list.some((v) => typeof v !== 'string')) throw badRequest(`Invalid filter "${key}": its values must be strings.`);
    for (const v of list as string[]) out.push(`${key}=${v}`);
  }
  return out;
}
