import { describe, expect, it } from 'vitest';
import { type EndpointEvent, type EndpointSettings, Opcode } from '../../src/protocol/websocket/index.js';
import { EndpointPool } from '../../src/websocket/endpoint-pool.js';
import { clientFrame } from '../support/raw-frame.js';

// The adapter's spare endpoints: a spare goes on for another connection as a new
// endpoint would, and never carries anything of the connection that had it.

interface Peer {
  name: string;
  heard: EndpointEvent[];
}

function record(this: Peer, event: EndpointEvent): void {
  this.heard.push(event);
}

const settings: EndpointSettings = { role: 'server', maxPayload: 1024, maxFragments: 10, mask: undefined };
const peer = (name: string): Peer => ({ name, heard: [] });

describe('EndpointPool', () => {
  it('hands a spare endpoint to the next connection, whose events then reach it alone', () => {
    const pool = new EndpointPool<Peer>(record);
    const a = peer('a');
    const b = peer('b');
    const first = pool.take(settings, a);
    first.receive(clientFrame({ opcode: Opcode.Text, payload: 'for a' }));
    pool.give(first);
    const second = pool.take(settings, b);
    expect(second).toBe(first);
    second.receive(clientFrame({ opcode: Opcode.Text, payload: 'for b' }));
    expect(a.heard.map((event) => event.type === 'message' && event.data.toString())).toEqual(['for a']);
    expect(b.heard.map((event) => event.type === 'message' && event.data.toString())).toEqual(['for b']);
  });

  it('keeps no endpoint that holds something: half a message, a close begun, bytes not taken', () => {
    const pool = new EndpointPool<Peer>(record);
    const half = pool.take(settings, peer('half'));
    half.receive(clientFrame({ opcode: Opcode.Text, payload: 'unfinished' }).subarray(0, 5));
    const closing = pool.take(settings, peer('closing'));
    closing.close(1000);
    closing.takeOutgoing();
    const sending = pool.take(settings, peer('sending'));
    sending.send(Buffer.from('waiting'), Opcode.Text);
    for (const endpoint of [half, closing, sending]) pool.give(endpoint);
    const next = pool.take(settings, peer('next'));
    expect([half, closing, sending]).not.toContain(next);
    expect(next.atRest).toBe(true);
  });

  it('makes a new endpoint for other settings, and keeps at most its size', () => {
    const pool = new EndpointPool<Peer>(record, 2);
    const other: EndpointSettings = { ...settings, maxPayload: 10 };
    const spare = pool.take(settings, peer('a'));
    pool.give(spare);
    const fresh = pool.take(other, peer('b'));
    expect(fresh).not.toBe(spare);
    expect(fresh.settings).toBe(other);
    const three = [pool.take(settings, peer('c')), pool.take(settings, peer('d')), pool.take(settings, peer('e'))];
    for (const endpoint of three) pool.give(endpoint);
    const taken = [pool.take(settings, peer('f')), pool.take(settings, peer('g')), pool.take(settings, peer('h'))];
    expect(taken.filter((endpoint) => three.includes(endpoint))).toHaveLength(2);
  });
});
