// One HTTP/1.1 request through a keep-alive agent, its answer read whole.
import { type Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { HOST } from './carrier.js';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** `GET path`, or `POST path` with a JSON body. */
export function exchange(port: number, agent: Agent, path: string, body?: string): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const method = body === undefined ? 'GET' : 'POST';
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const request = httpRequest({ host: HOST, port, path, method, agent, headers });
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
