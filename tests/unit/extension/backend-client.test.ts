import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSuggestion } from '../../../extension/background/backend-client.ts';
import { KEY_REFUSED_MESSAGE, type TicketContext } from '../../../shared/index.ts';

const TICKET: TicketContext = { host: 'demo', ticketId: '1', messages: [{ role: 'customer', text: 'Where is my parcel?' }] };

let server: Server;
let base: string;
beforeAll(async () => {
  // Answers as the backend does: 401 for the key `revoked`, a 400 envelope for `bad`, nonsense for `odd`.
  server = createServer((req, res) => {
    const key = req.headers.authorization?.replace('Bearer ', '');
    res.setHeader('content-type', 'application/json');
    if (key === 'revoked') res.writeHead(401).end(JSON.stringify({ error: { code: 'unauthorized', message: 'Unknown or revoked API key' } }));
    else if (key === 'bad') res.writeHead(400).end(JSON.stringify({ error: { code: 'validation_failed', message: 'ticket.messages: required' } }));
    else res.writeHead(200).end(JSON.stringify({ hello: 'world' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('backend client failures', () => {
  it('a refused key is its own kind, with the words the sidebar shows', async () => {
    expect(await requestSuggestion(base, TICKET, 'revoked')).toEqual({ ok: false, kind: 'unauthorized', message: KEY_REFUSED_MESSAGE });
  });

  it('an error envelope is passed on as rejected with the server’s message', async () => {
    expect(await requestSuggestion(base, TICKET, 'bad')).toEqual({ ok: false, kind: 'rejected', message: 'ticket.messages: required' });
  });

  it('an answer outside the contract is invalid_response, and no server at all is unreachable', async () => {
    expect(await requestSuggestion(base, TICKET, 'odd')).toMatchObject({ ok: false, kind: 'invalid_response' });
    expect(await requestSuggestion('http://127.0.0.1:9', TICKET, 'odd')).toMatchObject({ ok: false, kind: 'unreachable' });
  });
});
