import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../backend/config.ts';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8787,
      databaseUrl: './data/aitl.db',
      logLevel: 'info',
      demo: true,
      defaultTenant: 'default',
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
    });
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
