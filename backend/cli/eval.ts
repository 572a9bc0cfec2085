/**
 * `aitl eval --dataset DIR [--split test] [--json]`: retrieval quality and speed of the suggestion pipeline on a BEIR
 * folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv). The last line printed is always one JSON object:
 * `{"dataset","split","n","recall@75","precision@8","recall@8","mrr","ndcg@10","ms_p50","ms_p95"}`.
 * As in the server, AITL_EMBED_BASE_URL adds dense retrieval and (with --replies) AITL_LLM_BASE_URL model replies.
 */
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { EvalError, runEval } from '../eval/run.ts';
import { createEmbeddingsClient } from '../llm/embeddings.ts';
import { createLlmReplyGenerator } from '../rag/model-replies.ts';
import { type Command, type Out, usageFailure } from './kit.ts';

const EVAL_USAGE = 'Usage: aitl eval --dataset DIR [--split test] [--replies] [--json]';

export const evalCli: Command = { usage: EVAL_USAGE, run: evalCommand };

async function evalCommand(args: string[], out: Out, err: Out): Promise<number> {
  let values: { dataset?: string | undefined; split?: string | undefined; json?: boolean | undefined; replies?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        dataset: { type: 'string' },
        split: { type: 'string', default: 'test' },
        json: { type: 'boolean', default: false },
        replies: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usageFailure(err, EVAL_USAGE, (error as Error).message);
  }
  if (!values.dataset) return usageFailure(err, EVAL_USAGE, '--dataset is required');
  const split = values.split ?? 'test';
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      err(error.message);
      return 1;
    }
    throw error;
  }
  // --replies scores the candidates too; with AITL_LLM_BASE_URL set they come from the model, as in the server.
  const generator = values.replies && config.llm ? createLlmReplyGenerator(config.llm) : undefined;
  const embeddings = config.embed ? createEmbeddingsClient(config.embed) : undefined;
  let run;
  try {
    run = await runEval(values.dataset, split, { replies: values.replies ?? false, generator, embeddings });
  } catch (error) {
    if (error instanceof EvalError) {
      err(error.message);
      return 1;
    }
    throw error;
  }
  const { result } = run;
  if (!values.json) {
    out(
      `Imported ${run.passages} passages from ${values.dataset} in ${Math.round(run.importMs)} ms; index built in ${Math.round(run.index.buildMs)} ms (${run.index.version})`,
    );
    out(`Split ${split}: ${result.n} queries with relevant documents`);
    out(
      `recall@75 ${result['recall@75'].toFixed(3)}  precision@8 ${result['precision@8'].toFixed(3)}  recall@8 ${result['recall@8'].toFixed(3)}  ` +
        `MRR ${result.mrr.toFixed(3)}  nDCG@10 ${result['ndcg@10'].toFixed(3)}  per query p50 ${result.ms_p50} ms, p95 ${result.ms_p95} ms`,
    );
  }
  if (!values.json && result.n_replies !== undefined) {
    out(
      `Replies (${result.n_replies} with a gold response, mean of the two candidates): token F1 ${result.reply_f1?.toFixed(3) ?? '-'}  ROUGE-L ${result.reply_rougeL?.toFixed(3) ?? '-'}  ` +
        `(better of two: ${result.reply_f1_best?.toFixed(3) ?? '-'} / ${result.reply_rougeL_best?.toFixed(3) ?? '-'})  citation precision ${result.citation_precision?.toFixed(3) ?? '-'}  fallbacks ${result.reply_fallbacks}`,
    );
  }
  out(JSON.stringify(result));
  return 0;
}
