/** True when a hex id is empty or all zeros (which OTLP defines as invalid / unset). */
export function isZeroHex(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 48) return false;
  return true;
}
