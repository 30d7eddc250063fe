import { failure, type ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import type { RecordSerializer } from './RecordSerializer.js';

/**
 * Takes the NDJSON text, encodes it into the request body (`RecordSerializer.encode`: UTF-8,
 * gzip where configured) and hands the body to its transport (`HttpTransport`).
 */
export class EncodingTransport implements ExportTransport<string> {
  constructor(
    private readonly serializer: RecordSerializer,
    private readonly transport: ExportTransport<Uint8Array>,
  ) {}

  async send(ndjson: string, timeoutMillis: number): Promise<ExportResponse> {
    let body: Uint8Array;
    try {
      body = await this.serializer.encode(ndjson);
    } catch (error) {
      return failure('encoding the request body failed', error);
    }
    return this.transport.send(body, timeoutMillis);
  }

  shutdown(): Promise<void> {
    return this.transport.shutdown();
  }
}
