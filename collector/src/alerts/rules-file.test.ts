import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadRulesFile, parseRules, RulesError } from './rules-file.js';
import { expandTemplate } from './templates.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/alert-rules.yaml', import.meta.url));

function problem(yaml: string): string {
  try {
    parseRules(yaml, 'rules.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(RulesError);
    return (err as Error).message;
  }
  throw new Error('expected a RulesError');
}

const RECEIVER = 'receivers:\n  - name: hook\n    webhook: { url: "http://127.0.0.1:1/x" }\n';

describe('rules file', () => {
  it('loads the example shipped in the repo', async () => {
    const f = await loadRulesFile(EXAMPLE);
    expect(f.rules.map((r) => r.alert)).toEqual(['FeatureDrift', 'DatasetDrift', 'SloBreached', 'ErrorBudgetBurn', 'LatencyP99High', 'ErrorRateHigh', 'QualityAucLow', 'ModelSilent']);
    expect(f.receivers.map((r) => [r.name, r.target.kind])).toEqual([['ops-webhook', 'webhook'], ['ml-slack', 'slack'], ['alertmanager', 'alertmanager']]);
    const dataset = f.rules.find((r) => r.alert === 'DatasetDrift')!;
    expect(dataset).toMatchObject({ forMs: 7_200_000, keepFiringForMs: 3_600_000, when: { source: 'drift', metric: 'statistic', match: { source: 'dataset' }, op: '>', threshold: 0.33 } });
    expect(f.rules.find((r) => r.alert === 'QualityAucLow')!.when).toEqual({ source: 'quality', metric: 'roc_auc', match: {}, op: '<', threshold: 0.8 });
    expect(f.rules.find((r) => r.alert === 'ModelSilent')!.when).toEqual({ source: 'traffic', metric: 'seconds_since_last_prediction', match: {}, op: '>=', threshold: 900 });
    expect(f.receivers[0]).toMatchObject({ groupBy: ['alertname', 'model'], repeatIntervalMs: 14_400_000, attempts: 5, backoffMs: 1000 });
    expect(f.receivers[2]!.target).toEqual({ kind: 'alertmanager', url: 'http://127.0.0.1:9093' });
  });

  it('names the file, the rule, the field and the problem', () => {
    expect(problem(`${RECEIVER}rules:\n  - alert: A\n    when: { source: drift, metric: nope, op: ">", threshold: 1 }\n`)).toBe(
      'rules.yaml: rule "A" (rules[0]): when.metric: expected one of statistic, drifted, p_value, test_p_value, threshold, rows for source drift, got "nope"',
    );
    expect(problem(`rules:\n  - alert: A\n    when: { source: weather, metric: x, op: ">", threshold: 1 }\n`)).toMatch(/^rules\.yaml: rule "A" \(rules\[0\]\): when\.source: expected one of drift, sla, quality, traffic, got "weather"$/);
    expect(problem(`rules:\n  - alert: A\n    when: { source: drift, metric: statistic, op: "=>", threshold: 1 }\n`)).toContain('rule "A" (rules[0]): when.op: expected one of');
    expect(problem(`rules:\n  - alert: A\n    when: { source: drift, metric: statistic, op: ">", threshold: "high" }\n`)).toContain('when.threshold: expected a number, got "high"');
    expect(problem(`rules:\n  - alert: A\n    when: { source: drift, metric: statistic, match: { colour: red }, op: ">", threshold: 1 }\n`)).toContain('when.match.colour: source drift has no label "colour"');
    expect(problem(`rules:\n  - alert: A\n    for: soon\n    when: { source: traffic, absent_for: 5m }\n`)).toContain('rule "A" (rules[0]): for: expected a duration such as 30s, 5m or 1h, got "soon"');
    expect(problem(`rules:\n  - alert: A\n    when: { source: traffic, absent_for: 5m }\n    notify: [pager]\n`)).toContain('rule "A" (rules[0]): notify: unknown receiver "pager"');
    expect(problem(`rules:\n  - alert: A\n    when: { source: traffic, absent_for: 5m }\n    annotations: { summary: "{{ .Value }}" }\n`)).toContain('annotations.summary: unsupported template expression "{{ .Value }}"');
    expect(problem(`rules:\n  - alert: A\n    when: { source: traffic, absent_for: 5m }\n    severity: page\n`)).toContain('rule "A" (rules[0]): severity: unknown key');
    expect(problem(`rules:\n  - when: { source: traffic, absent_for: 5m }\n`)).toContain('rule (rules[0]): alert: required');
    expect(problem(`receivers:\n  - name: x\n    slack: { url: "hooks.slack.com" }\n`)).toContain('receiver "x" (receivers[0]): slack.url: expected an http(s) URL');
    expect(problem(`receivers:\n  - name: x\n    webhook: { url: "http://a" }\n    slack: { url: "http://b" }\n`)).toContain('expected exactly one of webhook, slack, alertmanager; got 2');
    expect(problem('rules: [')).toMatch(/^rules\.yaml: not valid YAML: /);
    expect(problem(`${RECEIVER}rules:\n  - alert: A\n    when: { source: traffic, absent_for: 5m }\n  - alert: A\n    when: { source: traffic, absent_for: 5m }\n`)).toContain('rule "A" (rules[1]): alert: duplicate rule name');
  });

  it('fdr: Benjamini–Hochberg over the window\'s series in place of metric, op and threshold; consecutive_windows', () => {
    const f = parseRules(`rules:\n  - alert: D\n    when: { source: drift, match: { source: feature }, fdr: 0.05 }\n    consecutive_windows: 3\n`, 'rules.yaml');
    expect(f.rules[0]).toMatchObject({ consecutiveWindows: 3, when: { source: 'drift', metric: 'test_p_value', match: { source: 'feature' }, op: '<=', threshold: 0.05, fdr: 0.05 } });
    expect(parseRules(`rules:\n  - alert: D\n    when: { source: drift, metric: drifted, op: "==", threshold: 1 }\n`, 'rules.yaml').rules[0]!.consecutiveWindows).toBe(1);
    expect(problem(`rules:\n  - alert: D\n    when: { source: sla, fdr: 0.05 }\n`)).toContain('rule "D" (rules[0]): when.fdr: source sla has no p-value to control; fdr is for drift');
    expect(problem(`rules:\n  - alert: D\n    when: { source: drift, metric: p_value, op: "<", threshold: 0.05, fdr: 0.05 }\n`)).toContain('when.fdr: replaces metric, op and threshold');
    expect(problem(`rules:\n  - alert: D\n    when: { source: drift, fdr: 5 }\n`)).toContain('when.fdr: expected a false-discovery rate between 0 and 1, such as 0.05');
    expect(problem(`rules:\n  - alert: D\n    when: { source: traffic, absent_for: 5m }\n    consecutive_windows: 2\n`)).toContain('rule "D" (rules[0]): consecutive_windows: only for sources evaluated per window');
    expect(problem(`rules:\n  - alert: D\n    when: { source: drift, fdr: 0.05 }\n    consecutive_windows: 0\n`)).toContain('rule "D" (rules[0]): consecutive_windows:');
  });

  it('names an unreadable file', async () => {
    await expect(loadRulesFile('/nonexistent/rules.yaml')).rejects.toThrow(/^\/nonexistent\/rules\.yaml: cannot read the rules file: /);
  });

  it('expands {{ $labels.x }} and {{ $value }} templates', () => {
    expect(expandTemplate('{{ $labels.model }}/{{$labels.feature}} = {{ $value }} ({{ $value | printf "%.2f" }}) {{ $labels.none }}.', { model: 'm', feature: 'a' }, 0.12345)).toBe('m/a = 0.12345 (0.12) .');
  });
});
