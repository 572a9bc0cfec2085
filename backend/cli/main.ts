/**
 * The `aitl` command (backend/bin/aitl.js runs `main`): finds the command and runs it. Each command lives in its own
 * file beside this one, with its usage; what they share is in kit.ts. Every command reads the same AITL_*
 * configuration as the server; what changes keys, knowledge, selector config or the flywheel is written to the audit
 * log as actor `cli`.
 *
 *   aitl serve | kb | keys | config | eval | flywheel | tenants | audit | simulate | gaps | export | help [COMMAND]
 */
import { ConfigError } from '../config.ts';
import { audit } from './audit.ts';
import { config } from './config.ts';
import { evalCli } from './eval.ts';
import { exportCli } from './export.ts';
import { flywheel } from './flywheel.ts';
import { gaps } from './gaps.ts';
import { kb } from './kb.ts';
import { keys } from './keys.ts';
import { asksForHelp, type Command, type Out } from './kit.ts';
import { serve } from './serve.ts';
import { simulate } from './simulate.ts';
import { tenants } from './tenants.ts';

const USAGE = `Usage: aitl <command>

Commands:
  serve                 Start the backend (AITL_HOST, AITL_PORT, AITL_DATABASE_URL)
  kb import PATH [--tenant T]
                        Import knowledge: a BEIR folder (corpus.jsonl), a JSONL file of
                        {id,title,body,url?}, or a folder of Markdown articles, into tenant T's
                        own knowledge base, or without --tenant into the shared one (it serves
                        every tenant that has none of its own)
  kb status [--tenant T] [--json]
                        The knowledge base serving T: newest import, passages stored, index version
  tenants list [--json] Every tenant: keys by role, annotations, suggestions, last activity
  audit [--tenant T] [--action A] [--since ISO] [--limit N] [--json]
                        The audit log, newest first (admin API and command-line changes, exports)
  keys create --tenant T --role agent|analyst|admin [--name N]
                        Make an API key; it is printed once, alone on the last line
  keys list             List API keys (id, tenant, role, name, dates; never secrets)
  keys revoke ID        Revoke an API key for good
  config show [--tenant T]
                        Print the tenant's host-adapter selector overrides as JSON
  config set FILE [--tenant T]
                        Check a JSON file of selector overrides and store it for the tenant
                        (default tenant: AITL_DEFAULT_TENANT)
  eval --dataset DIR [--split test] [--replies] [--json]
                        Measure retrieval on a BEIR folder in a throwaway store; the last
                        line is a JSON object of recall@75, precision@8, MRR, nDCG@10, timings
  flywheel run [--tenant T] [--json] [--regression DIR [--split S]]
                        One cycle per tenant with signals (or for T only): quality gate, train on
                        its signals, evaluate on held-out checks, promote or keep
  flywheel status [--tenant T] [--json]
                        The tenant's current versions, registry and recent runs
  flywheel rollback VERSION [--tenant T]
                        Make an earlier version (or ranking-default / variants-default) current again
  simulate --dataset DIR [--cycles N] [--agents K] [--noise P] [--seed S] [--json] [--out DIR] [--store PATH]
                        Run the flywheel on a BEIR folder: simulated agents replay its train split
                        through the API; report.md and plot.svg of its test split per cycle
  gaps [--tenant T] [--json] [--limit N]
                        The gap queue: missing-knowledge reports grouped, biggest first
  export --kind dpo|sft|kto|retrieval|beir|gaps|all --out DIR [--since ISO|last] [--until ISO] [--tenant T]
         [--passed-gate] [--min-weight N] [--exclude-reason R]... [--min-edit-similarity N]
                        Write training-set files and manifest.json into DIR (progress on stderr)
  help [COMMAND]        Show this help, or one command's (also: aitl COMMAND --help)

Configuration is read from AITL_* environment variables; see README.md.`;

/** Every command by name; `aitl <command> --help`, `-h` and `aitl help <command>` print its usage. */
const COMMANDS: Record<string, Command> = {
  serve,
  kb,
  keys,
  config,
  eval: evalCli,
  flywheel,
  tenants,
  audit,
  simulate,
  gaps,
  export: exportCli,
};

export async function main(argv: string[], out: Out = console.log, err: Out = console.error): Promise<number> {
  const [name, ...rest] = argv;
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name]! : undefined;
  // Help is answered before anything reads the configuration or opens a store: it works on any machine.
  if (command && asksForHelp(rest)) {
    out(command.usage);
    return 0;
  }
  if (name === 'help' && rest.length > 0) {
    const usage = Object.hasOwn(COMMANDS, rest[0]!) ? COMMANDS[rest[0]!]!.usage : undefined;
    if (usage === undefined) {
      err(`Unknown command: ${rest[0]}\n\n${USAGE}`);
      return 2;
    }
    out(usage);
    return 0;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    out(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (!command) {
    err(`Unknown command: ${name}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command.run(rest, out, err);
  } catch (error) {
    // A bad AITL_* setting, in any command: said in words, exit code 1.
    if (error instanceof ConfigError) {
      err(error.message);
      return 1;
    }
    throw error;
  }
}
