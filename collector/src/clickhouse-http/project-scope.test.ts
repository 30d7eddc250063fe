import { describe, expect, it } from 'vitest';
import { ALL_TABLES } from '../store/schema/all-tables.js';
import { additionalTableFilters, NEVER_SERVED, tableScope } from './project-scope.js';

// Which tables the read-only interface serves, and which rows, as pure logic; the real engine
// applies it in test/e2e/clickhouse-http.test.ts.

describe('tableScope', () => {
  it('serves every table but the key hashes and the audit log when no project is set', () => {
    const scope = tableScope('');
    expect([...scope.refusedTables].sort()).toEqual([...NEVER_SERVED].sort());
    expect(scope.rowFilters.size).toBe(0);
    expect(scope.onlyTables).toBeUndefined();
  });

  it("for a project: filters every table with a Project column, alerts by their project label, refuses the other tables", () => {
    const scope = tableScope('acme');
    const hex = Buffer.from('acme').toString('hex');
    expect(scope.rowFilters.get('predictions')).toBe(`Project = unhex('${hex}')`);
    expect(scope.rowFilters.get('otel_traces')).toBe(`Project = unhex('${hex}')`);
    expect(scope.rowFilters.get('alert_state')).toBe(`Labels['project'] = unhex('${hex}')`);
    for (const t of ['api_keys', 'audit_log', 'job_leases', 'alert_notifications']) expect(scope.refusedTables.has(t), t).toBe(true);
    // Every table is filtered, refused, or holds nothing of a project.
    for (const def of ALL_TABLES) {
      const filtered = scope.rowFilters.has(def.name);
      expect([filtered, scope.refusedTables.has(def.name), ['otel_traces_trace_id_ts', 'inferlens_schema_migrations', 'inferlens_readiness_probe'].includes(def.name)].filter(Boolean), def.name).toHaveLength(1);
      expect(scope.onlyTables!.has(def.name), def.name).toBe(!scope.refusedTables.has(def.name));
    }
    // A view is no table of its own: not served.
    expect(scope.onlyTables!.has('model_activity_mv')).toBe(false);
  });

  it('puts the project in SQL as hexadecimal, so quotes and backslashes in its name change nothing', () => {
    const name = "a'b\\c') OR 1 --";
    const filter = tableScope(name).rowFilters.get('predictions')!;
    expect(filter).toBe(`Project = unhex('${Buffer.from(name).toString('hex')}')`);
    expect(filter).toMatch(/^Project = unhex\('[0-9a-f]+'\)$/);
    expect(additionalTableFilters(new Map([['predictions', filter]]))).toBe(`{'predictions': 'Project = unhex(\\'${Buffer.from(name).toString('hex')}\\')'}`);
  });
});
