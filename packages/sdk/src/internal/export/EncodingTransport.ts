import { failure, type ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import type { RecordSerializer } from './RecordSerializer.js';

/**
 * Takes the serialized body (UTF-8), compresses it where configured (`RecordSerializer.encode`)
 * and hands it to its transport (`HttpTransport`).
 */
export class EncodingTransport implements ExportTransport<Uint8Array> {
  constructor(
    private readonly serializer: RecordSerializer,
    private readonly transport: ExportTransport<Uint8Array>,
  ) {}

  async send(serialized: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    let body: Uint8Array;
    try {
      body = await this.serializer.encode(serialized);
    } catch (error) {
      return failure('encoding the request body failed', error);
    }
    return this.transport.send(body, timeoutMillis);
  }

  shutdown(): Promise<void> {
    return this.transport.shutdown();
  }
}
