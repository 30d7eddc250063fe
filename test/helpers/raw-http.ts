import { connect, type Socket } from 'node:net';

/** An HTTP/1.1 answer read off a raw socket. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Opens a TCP connection to 127.0.0.1:`port`. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Resolves with the first complete HTTP answer on `socket` (status, lowercase headers, the body
 * by Content-Length or up to the close), or rejects when the socket closes before one arrives.
 */
export function readAnswer(socket: Socket): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const parse = (closed: boolean): boolean => {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const c = l.indexOf(':');
        headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
      }
      const rest = buf.subarray(end + 4);
      const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined;
      if (length !== undefined ? rest.length < length : !closed) return false;
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.subarray(0, length ?? rest.length).toString('utf8') });
      return true;
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (parse(false)) socket.off('data', onData);
    };
    socket.on('data', onData);
    socket.once('close', () => {
      if (!parse(true)) reject(new Error(`the connection closed before an answer; got ${JSON.stringify(buf.toString('latin1').slice(0, 200))}`));
    });
    socket.once('error', () => undefined);
  });
}
