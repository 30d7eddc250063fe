/** A data-skipping index `name` on `expr`: a bloom filter with false-positive rate `rate`, one granule each. */
export function bloom(name: string, expr: string, rate: string): string {
  return `${name} ${expr} TYPE bloom_filter(${rate}) GRANULARITY 1`;
}

/**
 * The OpenTelemetry Collector ClickHouse exporter's pair of indexes on an attribute map: bloom
 * filters (rate 0.01) on its keys (`idx_<prefix>_key`) and on its values (`idx_<prefix>_value`).
 */
export function attributeMapBlooms(prefix: string, map: string): [string, string] {
  return [bloom(`idx_${prefix}_key`, `mapKeys(${map})`, '0.01'), bloom(`idx_${prefix}_value`, `mapValues(${map})`, '0.01')];
}
