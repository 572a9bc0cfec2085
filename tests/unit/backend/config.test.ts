import { describe, expect, it } from 'vitest';
import { ConfigError, isLoopbackHost, loadConfig } from '../../../backend/config.ts';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8787,
      databaseUrl: './data/aitl.db',
      logLevel: 'info',
      demo: true,
      defaultTenant: 'default',
      knowledge: 'per-tenant',
      indexRefreshMs: 2000,
      indexCachePassages: 1_000_000,
      auth: 'optional',
      allowedOrigins: ['chrome-extension://mimldbgokakkcdedcmobpimfjboikkee'],
      linkSecret: expect.stringMatching(/^[0-9a-f]{64}$/),
      exportLagSeconds: 60,
      flywheel: {},
    });
  });

  it('reads every AITL_* variable and ignores everything else', () => {
    const config = loadConfig({
      AITL_HOST: '0.0.0.0',
      AITL_PORT: '9000',
      AITL_DATABASE_URL: '/var/lib/aitl/aitl.db',
      AITL_LOG_LEVEL: 'debug',
      AITL_DEMO: 'false',
      AITL_DEFAULT_TENANT: 'acme',
      AITL_KNOWLEDGE: 'shared',
      AITL_INDEX_REFRESH_SECONDS: '0.5',
      AITL_INDEX_CACHE_PASSAGES: '250000',
      AITL_ALLOWED_ORIGINS:
        'chrome-extension://abcdefghijklmnopabcdefghijklmnop, moz-extension://0f3a8c2e-1d4b-4a6e-9b7c-2e5f8a1d3c4b,https://console.acme.example',
      AITL_LINK_SECRET: 'a-team-wide-link-secret',
      PORT: 'not-a-port',
      HOME: '/root',
    });
    expect(config).toEqual({
      host: '0.0.0.0',
      port: 9000,
      databaseUrl: '/var/lib/aitl/aitl.db',
      logLevel: 'debug',
      demo: false,
      defaultTenant: 'acme',
      knowledge: 'shared',
      indexRefreshMs: 500,
      indexCachePassages: 250_000,
      auth: 'required',
      allowedOrigins: [
        'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
        'moz-extension://0f3a8c2e-1d4b-4a6e-9b7c-2e5f8a1d3c4b',
        'https://console.acme.example',
      ],
      linkSecret: 'a-team-wide-link-secret',
      exportLagSeconds: 60,
      flywheel: {},
    });
  });

  it("refuses '*' as the default tenant (it names the shared knowledge base) and an unknown AITL_KNOWLEDGE", () => {
    expect(() => loadConfig({ AITL_DEFAULT_TENANT: '*' })).toThrow(/AITL_DEFAULT_TENANT/);
    expect(() => loadConfig({ AITL_KNOWLEDGE: 'global' })).toThrow(/AITL_KNOWLEDGE/);
  });

  it.each([
    ['127.0.0.1', 'optional'],
    ['127.0.1.1', 'optional'],
    ['localhost', 'optional'],
    ['::1', 'optional'],
    ['[::1]', 'optional'],
    ['0.0.0.0', 'required'],
    ['::', 'required'],
    ['192.168.1.20', 'required'],
    ['aitl.example.com', 'required'],
  ])('defaults AITL_AUTH on AITL_HOST=%s to %s', (host, mode) => {
    expect(isLoopbackHost(host)).toBe(mode === 'optional');
    expect(loadConfig({ AITL_HOST: host }).auth).toBe(mode);
  });

  it('refuses an allowed origin that is not scheme://host[:port], naming the variable', () => {
    expect(() => loadConfig({ AITL_ALLOWED_ORIGINS: 'https://console.acme.example/path' })).toThrow(/AITL_ALLOWED_ORIGINS/);
    expect(() => loadConfig({ AITL_ALLOWED_ORIGINS: '*' })).toThrow(/AITL_ALLOWED_ORIGINS/);
  });

  it('takes AITL_AUTH as given, and refuses anything but required or optional', () => {
    expect(loadConfig({ AITL_HOST: '0.0.0.0', AITL_AUTH: 'optional' }).auth).toBe('optional');
    expect(loadConfig({ AITL_AUTH: 'required' }).auth).toBe('required');
    expect(() => loadConfig({ AITL_AUTH: 'off' })).toThrow(/AITL_AUTH/);
  });

  it('reads the flywheel schedule and regression set, and refuses a bad interval naming the variable', () => {
    expect(loadConfig({ AITL_FLYWHEEL_INTERVAL: '6h', AITL_FLYWHEEL_REGRESSION: '/data/labels' }).flywheel).toEqual({
      intervalMs: 6 * 3_600_000,
      regression: { dir: '/data/labels', split: 'test' },
    });
    expect(loadConfig({ AITL_FLYWHEEL_INTERVAL: '90s' }).flywheel.intervalMs).toBe(90_000);
    expect(() => loadConfig({ AITL_FLYWHEEL_INTERVAL: 'hourly' })).toThrow(/AITL_FLYWHEEL_INTERVAL/);
    expect(() => loadConfig({ AITL_FLYWHEEL_INTERVAL: '10s' })).toThrow(/AITL_FLYWHEEL_INTERVAL: must be at least 1m/);
  });

  it('reads the export retention in days, 0 keeping archives forever, and refuses a bad value naming the variable', () => {
    expect(loadConfig({}).exportRetentionDays).toBeUndefined(); // the jobs apply 30
    expect(loadConfig({ AITL_EXPORT_RETENTION_DAYS: '7' }).exportRetentionDays).toBe(7);
    expect(loadConfig({ AITL_EXPORT_RETENTION_DAYS: '0' }).exportRetentionDays).toBe(0);
    expect(() => loadConfig({ AITL_EXPORT_RETENTION_DAYS: '-1' })).toThrow(/AITL_EXPORT_RETENTION_DAYS/);
    expect(() => loadConfig({ AITL_EXPORT_RETENTION_DAYS: 'a month' })).toThrow(/AITL_EXPORT_RETENTION_DAYS/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ AITL_PORT: '', AITL_HOST: '' })).toMatchObject({ port: 8787, host: '127.0.0.1' });
  });

  it('keeps a PostgreSQL URL as given', () => {
    const url = 'postgres://aitl:s3cret@db.internal:5433/aitl?sslmode=require';
    expect(loadConfig({ AITL_DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it.each(['abc', '99999', '-1', '80.5'])('refuses AITL_PORT=%s with a ConfigError naming the variable', (port) => {
    let caught: unknown;
    try {
      loadConfig({ AITL_PORT: port });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toContain('AITL_PORT');
    expect(message).toContain(JSON.stringify(port));
  });

  it('names every bad variable at once', () => {
    let message = '';
    try {
      loadConfig({ AITL_PORT: 'abc', AITL_LOG_LEVEL: 'loud', AITL_DEMO: 'maybe' });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const name of ['AITL_PORT', 'AITL_LOG_LEVEL', 'AITL_DEMO']) expect(message).toContain(name);
  });
});
