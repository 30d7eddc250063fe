/**
 * Annotation and label templates, a small subset of Prometheus's:
 * `{{ $labels.<name> }}`, `{{ $value }}` and `{{ $value | printf "%.2f" }}`
 * (any `%.<n>f`). Anything else between `{{ }}` is refused when the rules file loads.
 */

const EXPR = /\{\{\s*(.*?)\s*\}\}/g;
const LABEL = /^\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)$/;
const VALUE = /^\$value(?:\s*\|\s*printf\s+"%\.(\d+)f")?$/;

/** @returns a description of the first unsupported expression, or undefined when the template is fine */
export function checkTemplate(template: string): string | undefined {
  for (const m of template.matchAll(EXPR)) {
    const e = m[1]!;
    if (!LABEL.test(e) && !VALUE.test(e)) {
      return `unsupported template expression "{{ ${e} }}"; supported: {{ $labels.<name> }}, {{ $value }}, {{ $value | printf "%.2f" }}`;
    }
  }
  return undefined;
}

/** Expands a template checked by {@link checkTemplate}; a missing label expands to "". */
export function expandTemplate(template: string, labels: Record<string, string>, value: number): string {
  return template.replace(EXPR, (_all, e: string) => {
    const l = LABEL.exec(e);
    if (l) return labels[l[1]!] ?? '';
    const v = VALUE.exec(e);
    if (v) return v[1] !== undefined ? value.toFixed(Number(v[1])) : String(value);
    return '';
  });
}
