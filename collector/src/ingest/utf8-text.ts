/**
 * How the collector reads text that is not valid UTF-8, in one place.
 *
 * OTLP requires valid UTF-8 in `string` fields, and JSON requires it of the whole text; clients
 * still send invalid bytes (a byte slice logged as a string, text cut in the middle of a
 * character). The collector neither refuses such a record nor stores the bytes as they came: each
 * maximal ill-formed subsequence becomes one U+FFFD REPLACEMENT CHARACTER, as the WHATWG
 * Encoding Standard's decoder (`TextDecoder`, `Buffer#toString`) does, and the record is stored
 * and acknowledged like any other. Why:
 *
 * - It is what OTLP recommends: opentelemetry-proto's specification (2026, PR #845) lets a
 *   receiver pass such strings through or sanitise them, and recommends replacing invalid UTF-8
 *   with U+FFFD; the OpenTelemetry Collector's receiver passes the bytes through unchecked
 *   (opentelemetry-collector#11449; an opt-in rejection was proposed and not merged).
 * - Refusing the record would lose a span's timing and its place in the trace, or a prediction,
 *   for one mis-encoded byte in one attribute.
 * - Storing the bytes as they came would hand invalid UTF-8 to every reader: the read API's JSON,
 *   Grafana, other exporters with strict protobuf runtimes.
 *
 * The replacement never swallows an ASCII byte, so the structure of a JSON body (quotes,
 * brackets) survives it. The same rule covers a JSON escape of a lone surrogate (`"\ud800"`),
 * which decodes to a string no UTF-8 can hold: it is stored as U+FFFD (`RowBinaryWriter#string`,
 * which every insert goes through). Request headers are not records: an
 * `X-Inferlens-Project` header that is not valid UTF-8 is refused (`http/request-context.ts`).
 */

type SliceableBuffer = Buffer & { utf8Slice?: (start: number, end: number) => string };

/**
 * The bytes `buf[from, to)` as text, with each ill-formed UTF-8 subsequence replaced by U+FFFD
 * (see the file's note). Every body and every OTLP protobuf `string` field is decoded here.
 * `utf8Slice` is the binding behind `Buffer#toString('utf8', from, to)` without its argument
 * handling, a measurable share of protobuf decode time.
 */
export function utf8Text(buf: Buffer, from = 0, to = buf.length): string {
  const b = buf as SliceableBuffer;
  return b.utf8Slice !== undefined ? b.utf8Slice(from, to) : buf.toString('utf8', from, to);
}
