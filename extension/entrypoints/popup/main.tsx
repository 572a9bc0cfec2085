/**
 * Toolbar popup: the state of the annotation outbox (what waits to sync, since when, the last sync and error, the
 * dead letters), whether the backend answers, and "Sync now". Everything comes from the background worker by
 * message (shared/messages.ts, sent with extension/background/messaging.ts `send`); every value is rendered as text.
 */
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  type DeadLetterSummary,
  type FlushReport,
  OutboxDeadLettersReply,
  OutboxExportReply,
  OutboxFlushReply,
  OutboxHealthReply,
  type OutboxStats,
  OutboxStatsReply,
} from '../../../shared/outbox-messages.ts';
import { send } from '../../background/messaging.ts';
import { ago, humanDuration, localTime, until } from './format.ts';
import './popup.css';

const REFRESH_MS = 2_000;
const DEAD_LETTERS_SHOWN = 50;

function describeFlush(report: FlushReport): { kind: 'ok' | 'warn' | 'error'; text: string } {
  const sent = report.accepted + report.duplicate;
  switch (report.status) {
    case 'drained':
      return {
        kind: 'ok',
        text:
          report.batches === 0
            ? 'Nothing to sync.'
            : `Synced ${sent} annotation${sent === 1 ? '' : 's'}${report.rejected ? `; ${report.rejected} refused by the server` : ''}.`,
      };
    case 'busy':
      return { kind: 'warn', text: 'A sync is already running.' };
    case 'backoff':
      return { kind: 'warn', text: `Not synced: ${report.error ?? 'the backend did not answer'}. Retrying automatically.` };
    case 'auth':
      return { kind: 'error', text: report.error ?? 'API key missing or not allowed.' };
  }
}

function Popup() {
  const [now, setNow] = useState(Date.now());
  const [stats, setStats] = useState<OutboxStats | undefined>(undefined);
  const [dead, setDead] = useState<DeadLetterSummary[]>([]);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [health, setHealth] = useState<{ reachable: boolean; message: string; baseUrl: string } | 'checking'>('checking');
  const [syncing, setSyncing] = useState(false);
  const [status, setStatus] = useState<{ kind: 'ok' | 'warn' | 'error'; text: string } | undefined>(undefined);

  const refresh = useCallback(async () => {
    const [s, d] = await Promise.all([
      send({ type: 'outbox.stats' }, OutboxStatsReply),
      send({ type: 'outbox.deadLetters' }, OutboxDeadLettersReply),
    ]);
    setNow(Date.now());
    if (s.ok) setStats(s.stats);
    if (d.ok) setDead(d.items);
    setProblem(!s.ok ? s.message : !d.ok ? d.message : undefined);
  }, []);

  const checkHealth = useCallback(async () => {
    setHealth('checking');
    const h = await send({ type: 'outbox.health' }, OutboxHealthReply);
    setHealth(h.ok ? h : { reachable: false, baseUrl: '', message: h.message });
  }, []);

  useEffect(() => {
    void refresh();
    void checkHealth();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh, checkHealth]);

  const syncNow = async () => {
    setSyncing(true);
    setStatus(undefined);
    const reply = await send({ type: 'outbox.flush' }, OutboxFlushReply);
    setSyncing(false);
    setStatus(reply.ok ? describeFlush(reply.report) : { kind: 'error', text: reply.message });
    await refresh();
    void checkHealth();
  };

  const exportDead = async () => {
    const reply = await send({ type: 'outbox.exportDeadLetters' }, OutboxExportReply);
    if (!reply.ok) return setStatus({ kind: 'error', text: reply.message });
    const url = URL.createObjectURL(new Blob([reply.json], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `aitl-dead-letters-${new Date().toISOString().slice(0, 10)}.json`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setStatus({ kind: 'ok', text: `Exported ${reply.count} dead letter${reply.count === 1 ? '' : 's'}.` });
  };

  const waiting = stats ? stats.pending + stats.inflight : 0;
  const errorIsCurrent = stats?.lastError && (stats.lastSyncAt === null || stats.lastError.at > stats.lastSyncAt);

  return (
    <main>
      <h1>AITL annotation sync</h1>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <dl>
        <dt>Waiting to sync</dt>
        <dd>
          {stats ? String(waiting) : '…'}
          {stats && stats.inflight > 0 ? ` (${stats.inflight} being sent)` : ''}
        </dd>
        <dt>Oldest waiting</dt>
        <dd>{stats?.oldestPendingAt != null ? humanDuration(now - stats.oldestPendingAt) : '—'}</dd>
        <dt>Last sync</dt>
        <dd>{stats ? ago(stats.lastSyncAt, now) : '…'}</dd>
        <dt>Last error</dt>
        <dd class={errorIsCurrent ? 'error' : 'muted'}>
          {stats?.lastError ? `${stats.lastError.message} (${ago(stats.lastError.at, now)}${errorIsCurrent ? '' : ', since resolved'})` : 'none'}
        </dd>
        {stats?.nextAttemptAt != null && stats.nextAttemptAt > now && (
          <>
            <dt>Next try</dt>
            <dd>{until(stats.nextAttemptAt, now)}</dd>
          </>
        )}
        <dt>Backend</dt>
        <dd class={health === 'checking' ? 'muted' : health.reachable ? 'ok' : 'error'}>
          {health === 'checking'
            ? 'checking…'
            : `${health.reachable ? 'reachable' : 'not reachable'}${health.baseUrl ? ` — ${health.baseUrl}` : ''}. ${health.message}`}
        </dd>
        <dt>Dead letters</dt>
        <dd class={stats && stats.deadLetters > 0 ? 'error' : undefined}>{stats ? String(stats.deadLetters) : '…'}</dd>
      </dl>

      {dead.length > 0 && (
        <>
          <h2>Refused by the server</h2>
          <ul class="dead">
            {dead
              .slice(-DEAD_LETTERS_SHOWN)
              .reverse()
              .map((d) => (
                <li key={d.id}>
                  <span class="reason">{`${d.code}: ${d.message}`}</span>
                  <span class="meta">{`${d.kind} · created ${localTime(d.clientTime)}`}</span>
                </li>
              ))}
          </ul>
          {dead.length > DEAD_LETTERS_SHOWN && (
            <p class="muted">{`Showing the latest ${DEAD_LETTERS_SHOWN} of ${dead.length}; the export has them all.`}</p>
          )}
        </>
      )}

      <div class="actions">
        <button type="button" onClick={syncNow} disabled={syncing}>
          {syncing ? 'Syncing…' : 'Sync now'}
        </button>
        <button type="button" class="secondary" onClick={exportDead} disabled={!stats || stats.deadLetters === 0}>
          Export dead letters (JSON)
        </button>
      </div>
      {status && (
        <p class={`status ${status.kind}`} role="status">
          {status.text}
        </p>
      )}
    </main>
  );
}

render(<Popup />, document.getElementById('app')!);
