/** OpenAI-compatible chat completions: `POST {base}/chat/completions`, answer in `choices[0].message.content`. */
import { z } from 'zod';
import { endpoint, LlmError, postJson } from './http.ts';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number | undefined;
  max_tokens?: number | undefined;
}

export interface ChatClientOptions {
  baseUrl: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  budgetMs?: number | undefined;
  backoffMs?: number | undefined;
  fetch?: typeof fetch | undefined;
}

const ChatResponse = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

export interface ChatClient {
  complete(request: ChatRequest): Promise<string>;
}

export function createChatClient(options: ChatClientOptions): ChatClient {
  const url = endpoint(options.baseUrl, 'chat/completions');
  return {
    async complete(request) {
      const body = {
        model: request.model,
        messages: request.messages,
        temperature: request.temperature ?? 0.2,
        max_tokens: request.max_tokens ?? 400,
      };
      const res = await postJson(ChatResponse, { ...options, url, body });
      const content = res.choices[0]!.message.content;
      if (!content || !content.trim()) throw new LlmError('malformed', `${url} answered with an empty message`);
      return content.trim();
    },
  };
}
