import { describe, expect, it } from 'vitest';
import { clickHouseHttpHost } from './clickhouse-http.js';

// Where the read-only ClickHouse HTTP interface listens: like the main port, but never beyond
// loopback on a collector that requires API keys unless clickhouseHttp.host says so.

describe('clickHouseHttpHost', () => {
  it("takes the collector's host when keys are not required", () => {
    expect(clickHouseHttpHost({ host: '' }, '0.0.0.0', 'off')).toBe('0.0.0.0');
    expect(clickHouseHttpHost({ host: '' }, '127.0.0.1', 'off')).toBe('127.0.0.1');
  });

  it('stays on loopback when keys are required and the collector listens beyond it', () => {
    expect(clickHouseHttpHost({ host: '' }, '0.0.0.0', 'required')).toBe('127.0.0.1');
    expect(clickHouseHttpHost({ host: '' }, '10.1.2.3', 'required')).toBe('127.0.0.1');
    // A loopback host of the collector's own stays as it is.
    expect(clickHouseHttpHost({ host: '' }, '::1', 'required')).toBe('::1');
  });

  it('listens where clickhouseHttp.host says, when set', () => {
    expect(clickHouseHttpHost({ host: '10.1.2.3' }, '0.0.0.0', 'required')).toBe('10.1.2.3');
    expect(clickHouseHttpHost({ host: '0.0.0.0' }, '127.0.0.1', 'off')).toBe('0.0.0.0');
  });
});
