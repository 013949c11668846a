import { goG, humanSize as coreHumanSize } from '@mydocker/core';

/** Docker's BytesSize: binary units, four significant digits ("1.359MiB", "50MiB", "0B"). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${Number(value.toPrecision(4))}${units[i]}`;
}

export function formatPercent(value: number): string {
  return `${(Number.isFinite(value) ? value : 0).toFixed(2)}%`;
}

/** Docker's HumanSizeWithPrecision(size, 3), used for NET I/O and BLOCK I/O ("0B", "648B", "1.23kB", "12.3MB"). */
export const humanSize = (bytes: number): string => coreHumanSize(bytes, 3);

export { goG };
