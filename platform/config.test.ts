import { ConfigError, readCommonConfig, readJwtConfig, readPort, readUrlList, redactUrl } from './config';

describe('reading configuration', () => {
  it('uses the defaults when nothing is set', () => {
    expect(readCommonConfig({})).toMatchObject({
      production: false,
      dataDir: './.data',
      databaseUrl: undefined,
      logLevel: 'info',
      host: '127.0.0.1',
      seed: true,
      natsUrl: undefined,
      connectRetryMs: 30_000,
    });
    expect(readJwtConfig({})).toEqual({ issuer: 'commerce-accounts', audience: 'commerce-api', ttlSeconds: 3600, privateKeyPem: undefined });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '4000.5' }, 'PORT'],
    [{ PORT: '65536' }, 'PORT'],
  ])('refuses %j naming the variable', (env, variable) => {
    expect(() => readPort(env, 'PORT', 4000)).toThrow(new ConfigError(variable, env.PORT, 'a port number from 0 to 65535'));
  });

  it.each([
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    [{ DATABASE_URL: 'localhost:5432/db' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL'],
    [{ NATS_URL: 'nats://a:4222,http://b' }, 'NATS_URL'],
    [{ SEED: 'sometimes' }, 'SEED'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ CONNECT_RETRY_SECONDS: '0' }, 'CONNECT_RETRY_SECONDS'],
    [{ NATS_PREFIX: 'a.b' }, 'NATS_PREFIX'],
    [{ GATEWAY_IDENTITY_SECRET: 'short' }, 'GATEWAY_IDENTITY_SECRET'],
  ])('refuses %j in the common settings', (env, variable) => {
    expect(() => readCommonConfig(env)).toThrow(ConfigError);
    try {
      readCommonConfig(env);
    } catch (error) {
      expect((error as ConfigError).variable).toBe(variable);
    }
  });

  it('never repeats a secret or a password in its errors', () => {
    expect(() => readCommonConfig({ GATEWAY_IDENTITY_SECRET: 'hunter2' })).toThrow(/<7 bytes>/);
    expect(() => readCommonConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(/user:\*\*\*@db/);
    expect(redactUrl('postgresql://u:p@h:5432/d')).toBe('postgresql://u:***@h:5432/d');
  });

  it('reads several NATS servers', () => {
    expect(readUrlList({ NATS_URL: 'nats://a:4222, nats://b:4222' }, 'NATS_URL', ['nats:'])).toEqual(['nats://a:4222', 'nats://b:4222']);
  });
});
