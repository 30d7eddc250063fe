/**
 * OTLP enum values as the OpenTelemetry Collector's ClickHouse exporter writes
 * them (`traceutil.SpanKindStr`, `traceutil.StatusCodeStr`): a value outside
 * the enum becomes `''`, as there.
 */

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'] as const;
const STATUS_CODES = ['Unset', 'Ok', 'Error'] as const;

/** `SpanKind` enum value (0..5) to its column value. */
export function spanKindName(kind: number): string {
  return SPAN_KINDS[kind] ?? '';
}

/** `Status.StatusCode` enum value (0..2) to its column value. */
export function statusCodeName(code: number): string {
  return STATUS_CODES[code] ?? '';
}

/** Protobuf enum value names accepted in OTLP/JSON besides the integers. */
export const SPAN_KIND_BY_NAME: ReadonlyMap<string, number> = new Map(
  ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'].map((n, i) => [`SPAN_KIND_${n}`, i]),
);

/** `STATUS_CODE_*` names to their values. */
export const STATUS_CODE_BY_NAME: ReadonlyMap<string, number> = new Map(
  ['UNSET', 'OK', 'ERROR'].map((n, i) => [`STATUS_CODE_${n}`, i]),
);

/** `SEVERITY_NUMBER_*` names to their values. */
export const SEVERITY_NUMBER_BY_NAME: ReadonlyMap<string, number> = new Map(
  ['UNSPECIFIED', ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((l) => [l, `${l}2`, `${l}3`, `${l}4`])].map(
    (n, i) => [`SEVERITY_NUMBER_${n}`, i],
  ),
);
