/**
 * Rows of any table definition, generated from its column types (seeded, so a failure
 * reproduces): for tests that write every table through the definitions and read it back.
 * Values stay within what round-trips exactly (times in the DateTime64 range, no lone
 * surrogates); the members of one `Nested` group get arrays of one length per row.
 */
import type { TableDefinition } from '../../collector/src/store/schema/TableDefinition.js';
import { rng } from './random.js';

const TEXT = ['', 'a', 'fraud-model', 'é漢字🙂', "it's \"quoted\"", 'tab\tnew\nline', 'x'.repeat(200)];

export function sampleRows<R>(def: TableDefinition<R>, count: number, seed = 1): R[] {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r.uniform() * n);
  const text = () => TEXT[int(TEXT.length)]! + (r.uniform() < 0.5 ? String(int(1000)) : '');
  const nowSeconds = Math.floor(Date.now() / 1000);
  const nanos = () => `${nowSeconds - int(86_400 * 30)}.${String(int(1e9)).padStart(9, '0')}`;
  const millis = () => Date.now() - int(86_400_000 * 30);
  const float = () => r.pick<number>([[r.normal(0, 1000), 0.8], [0, 0.05], [Infinity, 0.05], [-1e-300, 0.05], [NaN, 0.05]]);
  const stringMap = () => Object.fromEntries(Array.from({ length: int(4) }, (_, i) => [`k${i}${text()}`, text()]));
  const numberMap = () => Object.fromEntries(Array.from({ length: int(4) }, (_, i) => [`n${i}`, r.normal(0, 10)]));
  const maybe = <T>(v: () => T) => (r.uniform() < 0.3 ? null : v());
  const seconds = () => nowSeconds - int(86_400 * 30);
  /** Members of a Nested group take the group's length; other arrays a length of their own. */
  const length = (n: number, nested: boolean) => (nested ? n : int(4));
  const value: Record<string, (n: number, nested: boolean) => unknown> = {
    string: text,
    float64: float,
    nullableFloat64: () => maybe(float),
    uint8: () => int(256),
    uint32: () => int(2 ** 32),
    int32: () => int(2 ** 32) - 2 ** 31,
    dateTime: seconds,
    dateTimeArray: (n, nested) => Array.from({ length: length(n, nested) }, seconds),
    float64Array: (n, nested) => Array.from({ length: length(n, nested) }, float),
    uint64DecimalArray: (n, nested) =>
      Array.from({ length: length(n, nested) }, () => (BigInt(int(2 ** 32)) * 2n ** 32n + BigInt(int(2 ** 32))).toString()),
    uint64: () => int(Number.MAX_SAFE_INTEGER),
    uint64Decimal: () => (BigInt(int(2 ** 32)) * 2n ** 32n + BigInt(int(2 ** 32))).toString(),
    bool: () => r.uniform() < 0.5,
    nullableBool: () => maybe(() => r.uniform() < 0.5),
    dateTime64Nanos: nanos,
    dateTime64Millis: millis,
    nullableDateTime64Millis: () => maybe(millis),
    stringMap,
    numberMap,
    dateTime64NanosArray: (n) => Array.from({ length: n }, nanos),
    stringArray: (n) => Array.from({ length: n }, text),
    // 32-bit floats, so that a value round-trips exactly.
    float32Array: () => Array.from({ length: int(5) }, () => Math.fround(r.normal(0, 1))),
    stringMapArray: (n) => Array.from({ length: n }, stringMap),
  };
  return Array.from({ length: count }, () => {
    const lengths = new Map<string, number>();
    const row: Record<string, unknown> = {};
    for (const [field, c] of Object.entries(def.definitions)) {
      if (!c.inserted) continue;
      const make = value[c.type.write!];
      if (!make) throw new Error(`no sample values for ${c.type.sql} (${c.type.write})`);
      const group = c.nested?.group;
      if (group !== undefined && !lengths.has(group)) lengths.set(group, int(4));
      row[field] = make(group === undefined ? 0 : lengths.get(group)!, group !== undefined);
    }
    return row as R;
  });
}
