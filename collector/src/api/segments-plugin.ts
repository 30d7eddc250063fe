import type { FastifyInstance } from 'fastify';
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { readSegmentDrift, readSegmentQuality, type SegmentDriftSummary, type SegmentQualitySummary } from '../store/repositories/segment-summaries.js';
import { WindowModelFields, WindowRangeFields, windowBounds, windowResultFilter } from './window-results.js';

const SegmentsQuery = Type.Object({ ...WindowModelFields, ...WindowRangeFields });

type Cell = number | string | null;
const n = (x: Cell) => (x === null ? null : Number(x));

function drift(r: SegmentDriftSummary) {
  return {
    windows: Number(r.windows),
    driftedWindows: Number(r.driftedWindows),
    latest: { ...windowBounds(r), columns: Number(r.columns), driftedColumns: Number(r.driftedColumns), datasetShare: n(r.datasetShare) },
  };
}

function quality(r: SegmentQualitySummary) {
  return {
    windows: Number(r.windows),
    labelledWindows: Number(r.labelledWindows),
    latest: { ...windowBounds(r), predictions: Number(r.Predictions), labelled: Number(r.Labelled), accuracy: n(r.Accuracy), rocAuc: n(r.RocAuc), mae: n(r.Mae), rmse: n(r.Rmse) },
  };
}

/**
 * `GET /api/v1/segments?model=[&version=&from=&to=]`: the segments of a model (every value other
 * than '' of its drift and quality results whose windows start in the range), per version and
 * segment, with their drift (windows, windows with a drifted column, the newest window's columns,
 * drifted columns and data-set share) and their quality (windows, labelled windows, the newest
 * labelled window's figures); `drift` or `quality` is null where the segment has none. By version,
 * then segment.
 */
export async function segmentsPlugin(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  api.get('/api/v1/segments', { schema: { querystring: SegmentsQuery } }, async (request) => {
    const f = windowResultFilter(request, { ...request.query, limit: 1 });
    const [drifts, qualities] = await Promise.all([readSegmentDrift(app.store, f), readSegmentQuality(app.store, f)]);
    const key = (r: { ModelVersion: string; Segment: string }) => `${r.ModelVersion}\u0000${r.Segment}`;
    const byDrift = new Map(drifts.map((r) => [key(r), r]));
    const byQuality = new Map(qualities.map((r) => [key(r), r]));
    const keys = [...new Set([...byDrift.keys(), ...byQuality.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      segments: keys.map((k) => {
        const d = byDrift.get(k);
        const q = byQuality.get(k);
        const [version, segment] = k.split('\u0000') as [string, string];
        return { version, segment, drift: d ? drift(d) : null, quality: q ? quality(q) : null };
      }),
    };
  });
}
