import { parseArgs } from 'node:util';
import { DEFAULT_DRIFT_SHARE, METHODS_BY_KIND, compareDatasets, reconstructionDrift } from '@inferlens/stats';
import type { DriftMethod, FeatureInput } from '@inferlens/stats';
import { DriftInputError } from './DriftInputError.js';
import { typeColumns } from './column-types.js';
import { buildDriftReport, multivariateReport } from './drift-report.js';
import type { TypedColumn } from './column-types.js';
import { formatJson, formatTable } from './format-report.js';
import type { ReportFormat } from './format-report.js';
import { readCsv } from './read-csv.js';

/** The typed columns as rows (objects of feature values) of one side. */
function rowsOf(columns: readonly TypedColumn[], side: 'reference' | 'current'): Array<Record<string, number | string | null>> {
  const n = columns[0]?.[side].length ?? 0;
  return Array.from({ length: n }, (_, i) => Object.fromEntries(columns.map((c) => [c.name, c[side][i] ?? null])));
}

/** One line of usage, printed with every usage error. */
export const DRIFT_USAGE =
  'Usage: inferlens drift --reference <ref.csv> --current <cur.csv> [--categorical a,b] [--format table|json] [--threshold method=value,...] [--drift-share x]';

/** `inferlens drift --help`. */
export const DRIFT_HELP = [
  DRIFT_USAGE,
  '',
  'Compares the features (CSV columns) of a current data set with a reference one, with the',
  'statistics of @inferlens/stats, and says which features drifted.',
  '',
  'Options:',
  '  --reference <file>        reference CSV (e.g. training data); its header names the features',
  '  --current <file>          current CSV; needs the same columns (in any order)',
  '  --categorical <a,b>       columns to compare as categories even though they hold numbers;',
  '                            a column holding any non-number in the reference is categorical anyway',
  '  --format <table|json>     output format; default table',
  '  --threshold <m=v,...>     thresholds per method, e.g. wasserstein=0.2,chi-square=0.01; methods:',
  `                            ${[...new Set([...METHODS_BY_KIND.numerical, ...METHODS_BY_KIND.categorical])].join(', ')}`,
  `  --drift-share <x>         share of drifted features for data set drift; default ${DEFAULT_DRIFT_SHARE}`,
  '  --multivariate            also compare how the features move together: PCA data reconstruction',
  '                            (NannyML): the current rows\' mean reconstruction error against bounds',
  '                            from 10 chunks of the reference (mean ± 3 std)',
  '  --help                    print this help',
  '',
  'Exit status: 0 no feature drifted, 1 at least one feature drifted, 2 bad input or usage.',
].join('\n');

/** Where the command writes. */
export interface DriftIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface DriftArgs {
  reference: string;
  current: string;
  categorical: Set<string>;
  format: ReportFormat;
  thresholds: Partial<Record<DriftMethod, number>>;
  driftShare: number;
  multivariate: boolean;
}

const ALL_METHODS = new Set<string>([...METHODS_BY_KIND.numerical, ...METHODS_BY_KIND.categorical]);

function usage(message: string): never {
  throw new DriftInputError('DRIFT_USAGE', message);
}

function parseNumber(flag: string, text: string, lo: number, hi: number): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || x < lo || x > hi) usage(`${flag}: expected a number in [${lo}, ${hi}], got "${text}".`);
  return x;
}

/** Parse the arguments after `drift`; null for `--help`. Throws `DRIFT_USAGE` errors. */
export function parseDriftArgs(argv: readonly string[]): DriftArgs | null {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        reference: { type: 'string' },
        current: { type: 'string' },
        categorical: { type: 'string', multiple: true },
        format: { type: 'string' },
        threshold: { type: 'string', multiple: true },
        'drift-share': { type: 'string' },
        multivariate: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help) return null;
  if (!values.reference) usage('--reference <file> is required.');
  if (!values.current) usage('--current <file> is required.');
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'json') usage(`--format: expected table or json, got "${format}".`);
  const categorical = new Set(
    (values.categorical ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''),
  );
  const thresholds: Partial<Record<DriftMethod, number>> = {};
  for (const item of (values.threshold ?? []).flatMap((s) => s.split(','))) {
    const [method, value, ...rest] = item.split('=');
    if (value === undefined || rest.length > 0 || !ALL_METHODS.has(method.trim())) {
      usage(`--threshold: expected method=value with a method among ${[...ALL_METHODS].join(', ')}, got "${item}".`);
    }
    thresholds[method.trim() as DriftMethod] = parseNumber(`--threshold ${method.trim()}`, value, 0, Number.MAX_VALUE);
  }
  const driftShare = values['drift-share'] === undefined ? DEFAULT_DRIFT_SHARE : parseNumber('--drift-share', values['drift-share'], 0, 1);
  return { reference: values.reference, current: values.current, categorical, format, thresholds, driftShare, multivariate: values.multivariate === true };
}

/**
 * `inferlens drift`: read two CSV files, compare every feature with `compareDatasets` from
 * `@inferlens/stats` (and, with `--multivariate`, all of them together with `reconstructionDrift`)
 * and print the report. Returns the exit status: 0 when nothing drifted, 1 when at least one
 * feature (or the multivariate comparison) did, 2 on bad input or usage (message on stderr naming the file, line and
 * column; usage errors add the usage line).
 *
 * @example
 * ```ts
 * const code = runDrift(['--reference', 'train.csv', '--current', 'today.csv', '--format', 'json'], {
 *   stdout: (t) => process.stdout.write(t),
 *   stderr: (t) => process.stderr.write(t),
 * });
 * ```
 */
export function runDrift(argv: readonly string[], io: DriftIo): number {
  try {
    const args = parseDriftArgs(argv);
    if (args === null) {
      io.stdout(DRIFT_HELP + '\n');
      return 0;
    }
    const reference = readCsv(args.reference);
    const current = readCsv(args.current);
    const columns = typeColumns(reference, current, args.categorical);
    const ref: Record<string, FeatureInput> = {};
    const cur: Record<string, FeatureInput> = {};
    const features: Record<string, { kind: 'numerical' | 'categorical' }> = {};
    for (const c of columns) {
      ref[c.name] = c.reference;
      cur[c.name] = c.current;
      // The kind is decided here (a --categorical column holds numbers), so it is passed on.
      features[c.name] = { kind: c.kind };
    }
    const result = compareDatasets(ref, cur, { thresholds: args.thresholds, driftShare: args.driftShare, features });
    const report = buildDriftReport(result, {
      reference: { file: reference.file, rows: reference.rows.length },
      current: { file: current.file, rows: current.rows.length },
    });
    if (args.multivariate) {
      const rows = (side: 'reference' | 'current') => rowsOf(columns, side);
      const categorical = new Set(columns.filter((c) => c.kind === 'categorical').map((c) => c.name));
      report.multivariate = multivariateReport(reconstructionDrift(rows('reference'), rows('current'), { categorical, features: columns.map((c) => c.name) }));
    }
    io.stdout(args.format === 'json' ? formatJson(report) : formatTable(report));
    return report.features.some((f) => f.drifted) || report.multivariate?.drifted ? 1 : 0;
  } catch (err) {
    if (!(err instanceof DriftInputError)) throw err;
    io.stderr(`inferlens drift: ${err.message}\n`);
    if (err.code === 'DRIFT_USAGE') io.stderr(`${DRIFT_USAGE}\nRun inferlens drift --help for the options.\n`);
    return 2;
  }
}
