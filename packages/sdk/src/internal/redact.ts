import { createHash, createHmac } from 'node:crypto';
import type { FeaturePolicy } from '../FeaturePolicy.js';
import type { FeatureValue } from '@inferlens/semconv';
import type { Features } from '../InstrumentOptions.js';
import { warn } from './handle-error.js';

/** A `FeaturePolicy` compiled once into a function over one map. */
export type Redactor = (values: Features | undefined, isOutput: boolean) => Record<string, FeatureValue> | undefined;

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
  const hash = (value: string): string =>
    (policy.hashKey ? createHmac('sha256', policy.hashKey) : createHash('sha256')).update(value).digest('hex').slice(0, 32);
  const warned = new Set<string>();

  return (values, isOutput) => {
    if (values === undefined || values === null || typeof values !== 'object') return undefined;
    const filter = !isOutput || applyToOutputs;
    const out: Record<string, FeatureValue> = {};
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) continue;
      if (filter && ((allow && !allow.has(key)) || deny.has(key))) continue;
      const rule = filter ? redact.get(key) : undefined;
      if (rule === 'drop') continue;
      if (!isFeatureValue(value)) {
        if (!warned.has(key)) {
          warned.add(key);
          warn(`${isOutput ? 'output' : 'feature'} ${JSON.stringify(key)} is not a number, string, boolean or null; it is left out`);
        }
        continue;
      }
      out[key] = rule === 'hash' && value !== null ? hash(String(value)) : value;
    }
    return out;
  };
}

function isFeatureValue(value: unknown): value is FeatureValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
