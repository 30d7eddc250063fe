import * as crypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';
import type { FeaturePolicy } from '../FeaturePolicy.js';
import type { FeatureValue } from '@inferlens/semconv';
import type { Features } from '../InstrumentOptions.js';
import { DEFAULT_RECORD_LIMITS } from '@inferlens/semconv';
import { warn } from './handle-error.js';
import { entryBytes } from './record-size.js';

/** What the redactor made of one map: the values it kept, and their JSON size when it could vouch for it. */
export interface RedactedMap {
  readonly values: Record<string, FeatureValue>;
  /**
   * The JSON size of `values`, an upper bound (see `sdkRecordBytes`), measured while copying;
   * undefined when the map broke a record limit (too many entries, a key or a string too long):
   * the record must then be measured and checked the slow way.
   */
  readonly bytes: number | undefined;
}

/** A `FeaturePolicy` compiled once into a function over one map; undefined when there is no map. */
export type Redactor = (values: Features | undefined, isOutput: boolean) => RedactedMap | undefined;

/**
 * Compiles a policy. The result also drops values that are not a
 * `FeatureValue` (objects, arrays, non-finite numbers), so that one bad key
 * does not get the whole record rejected by the collector.
 */
export function compilePolicy(policy: FeaturePolicy = {}): Redactor {
  const allow = policy.allow ? new Set(policy.allow) : undefined;
  const deny = new Set(policy.deny ?? []);
  const redact = new Map(Object.entries(policy.redact ?? {}));
  const applyToOutputs = policy.applyToOutputs ?? true;
  const hashKey = policy.hashKey;
  const hash = hashKey
    ? (value: string): string => createHmac('sha256', hashKey).update(value).digest('hex').slice(0, 32)
    : oneShotSha256
      ? (value: string): string => oneShotSha256('sha256', value, 'hex').slice(0, 32)
      : (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 32);
  const warned = new Set<string>();
  const policed = allow !== undefined || deny.size > 0 || redact.size > 0;

  return (values, isOutput) => {
    if (values === undefined || values === null || typeof values !== 'object') return undefined;
    const filter = !isOutput || applyToOutputs;
    const out: Record<string, FeatureValue> = {};
    let bytes: number | undefined = 2;
    let entries = 0;
    for (const key in values) {
      if (!hasOwn.call(values, key)) continue;
      const value = (values as Record<string, unknown>)[key];
      if (value === undefined) continue;
      if (filter && policed && ((allow && !allow.has(key)) || deny.has(key))) continue;
      const rule = filter && policed ? redact.get(key) : undefined;
      if (rule === 'drop') continue;
      if (!isFeatureValue(value)) {
        if (!warned.has(key)) {
          warned.add(key);
          warn(`${isOutput ? 'output' : 'feature'} ${JSON.stringify(key)} is not a number, string, boolean or null; it is left out`);
        }
        continue;
      }
      const kept = rule === 'hash' && value !== null ? hash(String(value)) : value;
      out[key] = kept;
      // Sized on the way; undefined sticks once a limit is broken.
      if (bytes !== undefined) {
        const b = entryBytes(key, kept);
        bytes = b === undefined ? undefined : bytes + b + (entries > 0 ? 1 : 0);
      }
      entries++;
    }
    const maxEntries = isOutput ? DEFAULT_RECORD_LIMITS.maxOutputs : DEFAULT_RECORD_LIMITS.maxFeatures;
    return { values: out, bytes: entries <= maxEntries ? bytes : undefined };
  };
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * `crypto.hash` (Node >= 20.12): the same digest as `createHash(...).update(...).digest(...)`
 * without the Hash object, about half the cost per value; absent on older Node 20 releases.
 */
const oneShotSha256 = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

function isFeatureValue(value: unknown): value is FeatureValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
