import type { CgroupsExt } from './limits';

/** The ext as a healthy record keeps it; anything else (a damaged record) is not trusted. */
export function validExt(ext: unknown): ext is CgroupsExt {
  const e = ext as Partial<CgroupsExt> | undefined;
  return (
    typeof e === 'object' &&
    e !== null &&
    (e.version === 1 || e.version === 2) &&
    typeof e.parent === 'string' &&
    typeof e.paths === 'object' &&
    e.paths !== null &&
    Object.values(e.paths).every((p) => typeof p === 'string') &&
    (e.version === 1 || typeof e.paths.unified === 'string')
  );
}
