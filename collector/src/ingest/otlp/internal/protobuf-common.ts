import type { StringMap } from '../../../store/schema/column-types.js';
import { OtlpDecodeError } from '../otlp-decode-error.js';
import type { DecodedScope } from './decoded-resource.js';
import { arrayJson, doubleJson, objectJson, quoteJson } from './json-text.js';
import { setOwn } from './own-property.js';
import { checkEnd, readBase64, readBool, readInt64, readString, skipField, subEnd } from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';

/**
 * Decoders for `opentelemetry.proto.common.v1` and `resource.v1` messages.
 * Tags are `field << 3 | wireType`; a known field with another wire type is
 * skipped like an unknown one (as Go's protobuf runtime does).
 *
 * AnyValue (common.proto): string_value 1, bool_value 2, int_value 3 (int64),
 * double_value 4, array_value 5, kvlist_value 6, bytes_value 7.
 * ArrayValue / KeyValueList: values 1. KeyValue: key 1, value 2.
 * InstrumentationScope: name 1, version 2, attributes 3, dropped_attributes_count 4.
 * Resource: attributes 1.
 *
 * Spans only need attribute values flattened (`readAnyValueText`); log records
 * need the plain value and the flattened one (`readAnyValueBoth`), and get both
 * from one pass. Values nested in arrays and kvlists are read by the same two
 * readers; their JSON text follows from the flattened form (`jsonOfText`).
 */

const T_STRING = 10; // 1, length-delimited
const T_BOOL = 16; // 2, varint
const T_INT = 24; // 3, varint
const T_DOUBLE = 33; // 4, 64-bit
const T_ARRAY = 42; // 5, length-delimited
const T_KVLIST = 50; // 6, length-delimited
const T_BYTES = 58; // 7, length-delimited
const T_FIELD1_LEN = 10;
const T_FIELD2_LEN = 18;
const T_FIELD3_LEN = 26;
const T_FIELD4_VARINT = 32;

/** Deepest nesting of arrays and kvlists accepted inside one AnyValue. */
export const MAX_ANY_VALUE_DEPTH = 128;

function checkDepth(r: WireReader, depth: number): void {
  if (depth > MAX_ANY_VALUE_DEPTH) {
    throw new OtlpDecodeError(`protobuf: AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH} levels at byte ${r.pos}`);
  }
}

/** The AnyValue variant (its tag) that `readAnyValueText` or `readAnyValueBoth` read last; 0 for an empty value. */
let lastVariant = 0;

/**
 * JSON text of the AnyValue just read, from its flattened form and its variant
 * (`lastVariant`): the flattened form of booleans, integers, finite doubles,
 * arrays and kvlists already is JSON; strings and bytes (base64) get quoted, an
 * empty value or a non-finite double is `null`.
 */
function jsonOfText(text: string): string {
  switch (lastVariant) {
    case T_STRING:
      return quoteJson(text);
    case T_BYTES:
      return `"${text}"`;
    case T_DOUBLE:
      return doubleJson(Number(text)); // String(double) round-trips exactly
    case 0:
      return 'null';
    default:
      return text;
  }
}

/** An AnyValue flattened to the string the ClickHouse exporter stores (`AsString`). */
export function readAnyValueText(r: WireReader, end: number, depth: number): string {
  let out = '';
  let variant = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case T_STRING:
        out = readString(r, end);
        break;
      case T_BOOL:
        out = readBool(r) ? 'true' : 'false';
        break;
      case T_INT:
        out = String(readInt64(r));
        break;
      case T_DOUBLE:
        out = String(r.double());
        break;
      case T_ARRAY:
        out = readArrayJson(r, subEnd(r, end), depth + 1);
        break;
      case T_KVLIST:
        out = readKvlistJson(r, subEnd(r, end), depth + 1);
        break;
      case T_BYTES:
        out = readBase64(r, end);
        break;
      default:
        skipField(r, tag, end);
        continue;
    }
    variant = tag;
  }
  checkEnd(r, end);
  lastVariant = variant;
  return out;
}

function readArrayJson(r: WireReader, end: number, depth: number): string {
  checkDepth(r, depth);
  const items: string[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === T_FIELD1_LEN) items.push(jsonOfText(readAnyValueText(r, subEnd(r, end), depth)));
    else skipField(r, tag, end);
  }
  checkEnd(r, end);
  return arrayJson(items);
}

function readKvlistJson(r: WireReader, end: number, depth: number): string {
  checkDepth(r, depth);
  const entries: [string, string][] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag !== T_FIELD1_LEN) {
      skipField(r, tag, end);
      continue;
    }
    const kvEnd = subEnd(r, end);
    let key = '';
    let value = 'null';
    while (r.pos < kvEnd) {
      const t = r.uint32();
      if (t === T_FIELD1_LEN) key = readString(r, kvEnd);
      else if (t === T_FIELD2_LEN) value = jsonOfText(readAnyValueText(r, subEnd(r, kvEnd), depth));
      else skipField(r, t, kvEnd);
    }
    checkEnd(r, kvEnd);
    entries.push([key, value]);
  }
  checkEnd(r, end);
  return objectJson(entries);
}

/** JSON text of the array or kvlist that `readArrayPlainJson` / `readKvlistPlainJson` read last. */
let lastJson = 'null';

function readArrayPlainJson(r: WireReader, end: number, depth: number): unknown[] {
  checkDepth(r, depth);
  const items: unknown[] = [];
  const texts: string[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === T_FIELD1_LEN) {
      readAnyValueBoth(r, subEnd(r, end), depth);
      items.push(anyValueBoth.plain);
      texts.push(jsonOfText(anyValueBoth.text));
    } else skipField(r, tag, end);
  }
  checkEnd(r, end);
  lastJson = arrayJson(texts);
  return items;
}

function readKvlistPlainJson(r: WireReader, end: number, depth: number): Record<string, unknown> {
  checkDepth(r, depth);
  const out: Record<string, unknown> = {};
  const pairs: [string, string][] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag !== T_FIELD1_LEN) {
      skipField(r, tag, end);
      continue;
    }
    const kvEnd = subEnd(r, end);
    let key = '';
    let value: unknown = null;
    let json = 'null';
    while (r.pos < kvEnd) {
      const t = r.uint32();
      if (t === T_FIELD1_LEN) key = readString(r, kvEnd);
      else if (t === T_FIELD2_LEN) {
        readAnyValueBoth(r, subEnd(r, kvEnd), depth);
        value = anyValueBoth.plain;
        json = jsonOfText(anyValueBoth.text);
      } else skipField(r, t, kvEnd);
    }
    checkEnd(r, kvEnd);
    setOwn(out, key, value);
    pairs.push([key, json]);
  }
  checkEnd(r, end);
  lastJson = objectJson(pairs);
  return out;
}

/** Both forms of one AnyValue, as `readAnyValueBoth` leaves them. */
export const anyValueBoth: { plain: unknown; text: string } = { plain: null, text: '' };

/**
 * Reads an AnyValue in one pass as plain JS (see `DecodedLogRecord.body`) and
 * flattened as `readAnyValueText` would, into `anyValueBoth`.
 * @param depth Nesting of the value: 0 at the top (a body, an attribute value).
 */
export function readAnyValueBoth(r: WireReader, end: number, depth: number): void {
  let plain: unknown = null;
  let text = '';
  let variant = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case T_ARRAY:
        plain = readArrayPlainJson(r, subEnd(r, end), depth + 1);
        text = lastJson;
        break;
      case T_KVLIST:
        plain = readKvlistPlainJson(r, subEnd(r, end), depth + 1);
        text = lastJson;
        break;
      case T_STRING:
        plain = text = readString(r, end);
        break;
      case T_BOOL:
        plain = readBool(r);
        text = plain ? 'true' : 'false';
        break;
      case T_INT:
        plain = readInt64(r);
        text = String(plain);
        break;
      case T_DOUBLE:
        plain = r.double();
        text = String(plain);
        break;
      case T_BYTES:
        plain = text = readBase64(r, end);
        break;
      default:
        skipField(r, tag, end);
        continue;
    }
    variant = tag;
  }
  checkEnd(r, end);
  lastVariant = variant;
  anyValueBoth.plain = plain;
  anyValueBoth.text = text;
}

/** Reads one `KeyValue` (the bytes up to `end`) into a flattened attribute map. */
export function readAttributeInto(r: WireReader, end: number, into: StringMap): void {
  let key = '';
  let value = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === T_FIELD1_LEN) key = readString(r, end);
    else if (tag === T_FIELD2_LEN) value = readAnyValueText(r, subEnd(r, end), 0);
    else skipField(r, tag, end);
  }
  checkEnd(r, end);
  setOwn(into, key, value);
}

/** Reads one `KeyValue` into a plain map and a flattened map at once. */
export function readAttributeIntoBoth(r: WireReader, end: number, plain: Record<string, unknown>, text: StringMap): void {
  let key = '';
  let plainValue: unknown = null;
  let textValue = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === T_FIELD1_LEN) key = readString(r, end);
    else if (tag === T_FIELD2_LEN) {
      readAnyValueBoth(r, subEnd(r, end), 0);
      plainValue = anyValueBoth.plain;
      textValue = anyValueBoth.text;
    } else skipField(r, tag, end);
  }
  checkEnd(r, end);
  setOwn(plain, key, plainValue);
  setOwn(text, key, textValue);
}

/** Reads a `Resource` message's attributes into `into` (repeated occurrences merge). */
export function readResourceInto(r: WireReader, end: number, into: StringMap): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === T_FIELD1_LEN) readAttributeInto(r, subEnd(r, end), into);
    else skipField(r, tag, end);
  }
  checkEnd(r, end);
}

/**
 * Reads an `InstrumentationScope` message into `into` (repeated occurrences merge).
 * @param withDroppedCount Whether to read `dropped_attributes_count` (else it is skipped): see `SignalEnvelope.scopeDroppedAttributesCount`.
 */
export function readScopeInto(r: WireReader, end: number, into: DecodedScope, withDroppedCount: boolean): void {
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === T_FIELD1_LEN) into.name = readString(r, end);
    else if (tag === T_FIELD2_LEN) into.version = readString(r, end);
    else if (tag === T_FIELD3_LEN) readAttributeInto(r, subEnd(r, end), into.attributes);
    else if (tag === T_FIELD4_VARINT && withDroppedCount) into.droppedAttributesCount = r.uint32();
    else skipField(r, tag, end);
  }
  checkEnd(r, end);
}
