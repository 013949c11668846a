/** Go's %.{precision}g: significant digits, trailing zeros dropped, an exponent once it reaches the precision. */
export function goG(value: number, precision: number): string {
  if (value === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(precision)))));
  if (exp < -4 || exp >= precision) {
    const [mantissa, e] = value.toExponential(precision - 1).split('e');
    const m = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = value.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/**
 * go-units' HumanSizeWithPrecision: decimal units and Go's %.{precision}g ("0B", "648B", "1.23kB").
 * Docker prints 4 significant digits where it calls HumanSize (system df, reclaimed space) and 3 in its
 * SIZE columns (images, history, ps -s) and in stats' NET I/O and BLOCK I/O.
 */
export function humanSize(bytes: number, precision = 4): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${goG(value, precision)}${units[i]}`;
}
