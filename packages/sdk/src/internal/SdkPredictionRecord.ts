import type { AttributeValue, FeatureValue, PredictionRecord, PredictionStatus } from '@inferlens/semconv';

/**
 * A prediction record as the monitor builds it: a plain `PredictionRecord` (custom exporters and
 * `InMemoryPredictionExporter` see its fields as usual), whose fields are always these, in this
 * order, so that the HTTP exporter can write its JSON without looking for them
 * (`export/record-json.ts`; the same bytes as `JSON.stringify`, checked there).
 */
export class SdkPredictionRecord implements PredictionRecord {
  constructor(
    public predictionId: string,
    public model: string,
    public version: string,
    public timestamp: number,
    public project: string | null,
    public service: string,
    public environment: string | null,
    public segment: string,
    public latencyMs: number,
    public status: PredictionStatus,
    public errorType: string,
    public features: Record<string, FeatureValue>,
    public outputs: Record<string, FeatureValue>,
    public inputTokens: number | null,
    public outputTokens: number | null,
    public sampleRate: number,
    public traceId: string,
    public spanId: string,
    public attributes: Record<string, AttributeValue>,
  ) {}
}
