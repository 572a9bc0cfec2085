/**
 * A local OpenAI-compatible server for tests (node:http on 127.0.0.1:0), answering `/v1/chat/completions` and
 * `/v1/embeddings` in the real wire shapes, with switchable faults. Every request is recorded.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Fault = 'none' | 'http500' | 'http429' | 'timeout' | 'malformed' | 'no-citations' | 'out-of-range' | 'wrong-shape';

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export interface FakeOpenAI {
  /** Base URL ending in /v1. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Fault for every request, or per model name. */
  fault: Fault;
  faultByModel: Record<string, Fault>;
  /** Faults applied to the next requests in order before `fault` (e.g. ['http500'] then success). */
  faultQueue: Fault[];
  /** Reply text for chat completions; default cites [1] and [2]. */
  reply: (body: any) => string;
  /** Forgets the recorded requests and puts faults and the reply back to their defaults (call it before each test). */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_REPLY = () => 'Hi there,\n\nYou can do this from your account page [1]. It takes effect at once [2].\n\nAnything else, just ask.';

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** A deterministic small vector from the text, so equal texts embed equally and similar ones closely. */
export function fakeEmbedding(text: string, dims = 8): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let h = 0;
    for (const ch of word) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    v[h % dims]! += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const hanging = new Set<ServerResponse>();
  const fake: FakeOpenAI = {
    baseUrl: '',
    requests: [],
    fault: 'none',
    faultByModel: {},
    faultQueue: [],
    reply: DEFAULT_REPLY,
    reset() {
      fake.requests.length = 0;
      fake.fault = 'none';
      fake.faultByModel = {};
      fake.faultQueue = [];
      fake.reply = DEFAULT_REPLY;
    },
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return json(res, 400, { error: { message: 'invalid JSON body', type: 'invalid_request_error' } });
    }
    const path = (req.url ?? '').split('?')[0]!;
    fake.requests.push({ path, headers: req.headers, body });
    const fault = fake.faultQueue.shift() ?? fake.faultByModel[body?.model] ?? fake.fault;
    if (fault === 'timeout') {
      hanging.add(res);
      return;
    }
    if (fault === 'http500') return json(res, 500, { error: { message: 'The server had an error', type: 'server_error' } });
    if (fault === 'http429') return json(res, 429, { error: { message: 'Rate limit reached', type: 'rate_limit_exceeded' } });
    if (fault === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"id":"chatcmpl-x","choices":[{"message":');
    }
    if (fault === 'wrong-shape') return json(res, 200, { id: 'x', object: 'chat.completion', result: 'nope' });
    const created = Math.floor(Date.now() / 1000);
    if (path === '/v1/chat/completions') {
      let content = fake.reply(body);
      if (fault === 'no-citations') content = 'Hi there, please try again later. Thanks!';
      if (fault === 'out-of-range') content = 'Hi there, see the account page [9]. It is quick [0].';
      return json(res, 200, {
        id: `chatcmpl-${fake.requests.length}`,
        object: 'chat.completion',
        created,
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage: { prompt_tokens: 100, completion_tokens: 30, total_tokens: 130 },
        system_fingerprint: 'fp_fake',
      });
    }
    if (path === '/v1/embeddings') {
      const input: string[] = Array.isArray(body.input) ? body.input : [body.input];
      return json(res, 200, {
        object: 'list',
        data: input.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(String(text)) })),
        model: body.model,
        usage: { prompt_tokens: input.length * 5, total_tokens: input.length * 5 },
      });
    }
    return json(res, 404, { error: { message: `Unknown path ${path}`, type: 'invalid_request_error' } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  fake.baseUrl = `http://127.0.0.1:${port}/v1`;
  fake.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fake;
}
