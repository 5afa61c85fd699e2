import { ConfigError, readCommonConfig } from '../platform/config';
import { DEFAULT_PERSISTED_OPERATIONS_MANIFEST, readCorsOrigins, readGatewaySettings } from './gatewayConfig';
import { DEFAULT_MAX_COST } from './plugins/demandControl';
import { DEFAULT_RATE_LIMITS } from './plugins/rateLimitSettings';
import { DEFAULT_UPSTREAM_RETRY_MS } from './subscriptions/upstream';

describe('gateway settings', () => {
  it('allows any localhost origin by default in development and none in production', () => {
    expect(readCorsOrigins({}, false)).toEqual({ origins: [], allowLocalhost: true });
    expect(readCorsOrigins({}, true)).toEqual({ origins: [], allowLocalhost: false });
  });

  it('takes exact origins or * from CORS_ORIGINS, in place of the default', () => {
    expect(readCorsOrigins({ CORS_ORIGINS: 'https://shop.example.com, http://localhost:8080' }, false)).toEqual({
      origins: ['https://shop.example.com', 'http://localhost:8080'],
      allowLocalhost: false,
    });
    expect(readCorsOrigins({ CORS_ORIGINS: '*' }, true)).toEqual({ origins: '*', allowLocalhost: false });
  });

  it.each(['shop.example.com', 'https://shop.example.com/', 'https://shop.example.com/app', 'ftp://files.example.com'])(
    'refuses %s as an origin, naming CORS_ORIGINS',
    (value) => {
      expect(() => readCorsOrigins({ CORS_ORIGINS: value }, false)).toThrow(ConfigError);
      expect(() => readCorsOrigins({ CORS_ORIGINS: value }, false)).toThrow(/^CORS_ORIGINS must be/);
    },
  );

  it('turns introspection off by default in production and reads MAX_BODY_BYTES', () => {
    const production = readCommonConfig({ NODE_ENV: 'production' });
    expect(readGatewaySettings({ MAX_BODY_BYTES: '2048' }, production)).toMatchObject({ introspection: false, maxBodyBytes: 2048 });
    expect(readGatewaySettings({ INTROSPECTION: 'true' }, production).introspection).toBe(true);
  });

  it('gives a lost subscription upstream 30 s by default to come back, and reads SUBSCRIPTION_UPSTREAM_RETRY_MS', () => {
    const common = readCommonConfig({});
    expect(readGatewaySettings({}, common).subscriptionUpstreamRetryMs).toBe(DEFAULT_UPSTREAM_RETRY_MS);
    expect(DEFAULT_UPSTREAM_RETRY_MS).toBe(30_000);
    expect(readGatewaySettings({ SUBSCRIPTION_UPSTREAM_RETRY_MS: '1500' }, common).subscriptionUpstreamRetryMs).toBe(1500);
    expect(() => readGatewaySettings({ SUBSCRIPTION_UPSTREAM_RETRY_MS: '0' }, common)).toThrow(/^SUBSCRIPTION_UPSTREAM_RETRY_MS must be a positive integer/);
  });

  it('enforces a maximum cost of 5000 by default, and reads MAX_COST and COST_MODE', () => {
    const common = readCommonConfig({});
    expect(readGatewaySettings({}, common)).toMatchObject({ maxCost: 5000, costMode: 'enforce' });
    expect(readGatewaySettings({}, common).maxCost).toBe(DEFAULT_MAX_COST);
    expect(readGatewaySettings({ MAX_COST: '800', COST_MODE: 'measure' }, common)).toMatchObject({ maxCost: 800, costMode: 'measure' });
  });

  it.each([
    ['MAX_COST', '0', /^MAX_COST must be a positive integer/],
    ['MAX_COST', '1e4', /^MAX_COST must be a positive integer/],
    ['COST_MODE', 'log', /^COST_MODE must be one of enforce, measure/],
  ])('refuses %s=%s, naming the variable', (name, value, message) => {
    expect(() => readGatewaySettings({ [name]: value }, readCommonConfig({}))).toThrow(ConfigError);
    expect(() => readGatewaySettings({ [name]: value }, readCommonConfig({}))).toThrow(message);
  });

  it.each([
    [{}, 'filter'],
    [{ AUTHORIZATION_MODE: 'reject' }, 'reject'],
  ])('given AUTHORIZATION_MODE %j, when the settings are read, then the mode is %s', (env, mode) => {
    expect(readGatewaySettings(env, readCommonConfig({})).authorizationMode).toBe(mode);
  });

  it('given an unknown AUTHORIZATION_MODE, when the settings are read, then it is a ConfigError naming the choices', () => {
    expect(() => readGatewaySettings({ AUTHORIZATION_MODE: 'strict' }, readCommonConfig({}))).toThrow(/AUTHORIZATION_MODE must be one of filter, reject/);
  });
  it('given no rate-limit settings, then the defaults apply; each setting is read and checked', () => {
    const common = readCommonConfig({});
    expect(readGatewaySettings({}, common).rateLimits).toEqual(DEFAULT_RATE_LIMITS);
    expect(
      readGatewaySettings(
        { RATE_LIMIT_OPERATIONS: '50', RATE_LIMIT_WINDOW_SECONDS: '10', RATE_LIMIT_CREDENTIALS: '3', TRUST_PROXY: '2', RATE_LIMIT_PER_CLIENT_NAME: 'true' },
        common,
      ).rateLimits,
    ).toEqual({ ...DEFAULT_RATE_LIMITS, operations: 50, windowSeconds: 10, credentials: 3, trustProxy: 2, perClientName: true });
    expect(() => readGatewaySettings({ TRUST_PROXY: 'true' }, common)).toThrow(/^TRUST_PROXY must be how many proxies/);
    expect(() => readGatewaySettings({ RATE_LIMIT_OPERATIONS: '0' }, common)).toThrow(/^RATE_LIMIT_OPERATIONS must be a positive integer/);
  });

  it.each([
    [{}, 'apq'],
    [{ PERSISTED_OPERATIONS: 'off' }, 'off'],
    [{ PERSISTED_OPERATIONS: 'safelist' }, 'safelist'],
  ])('given PERSISTED_OPERATIONS %j, when the settings are read, then the mode is %s, with the committed manifest and a 24 h APQ TTL', (env, mode) => {
    expect(readGatewaySettings(env, readCommonConfig({}))).toMatchObject({
      persistedOperations: mode,
      persistedOperationsManifest: DEFAULT_PERSISTED_OPERATIONS_MANIFEST,
      apqTtlSeconds: 86_400,
    });
  });

  it.each([
    [{ PERSISTED_OPERATIONS: 'on' }, /^PERSISTED_OPERATIONS must be one of off, apq, safelist/],
    [
      { PERSISTED_OPERATIONS: 'safelist', PERSISTED_OPERATIONS_MANIFEST: '/nowhere/manifest.json' },
      /^PERSISTED_OPERATIONS_MANIFEST must be the path of a persisted query manifest/,
    ],
    [{ APQ_TTL_SECONDS: '0' }, /^APQ_TTL_SECONDS must be a positive integer/],
  ])('given %j, when the settings are read, then it is a ConfigError naming the variable', (env, message) => {
    expect(() => readGatewaySettings(env, readCommonConfig({}))).toThrow(message);
  });

  it('given no subgraph transport settings, then subgraph requests time out after 10 s (operations after 30 s) and idle sockets close after 4 s, below the subgraphs’ 5 s', () => {
    expect(readGatewaySettings({}, readCommonConfig({})).subgraphTransport).toEqual({
      timeoutMs: 10_000,
      operationTimeoutMs: 30_000,
      poolIdleMs: 4000,
      maxConnections: 128,
      maxResponseBytes: 16 * 1024 * 1024,
      retries: 2,
      retryBackoffMs: 25,
      retryBudgetPercent: 20,
      breakerFailures: 5,
      breakerOpenMs: 5000,
      dedup: true,
    });
  });

  it('given retries, budget, breaker and dedup settings, then they are read; 0 retries and dedup off are allowed', () => {
    const settings = readGatewaySettings(
      {
        SUBGRAPH_RETRIES: '0',
        SUBGRAPH_RETRY_BACKOFF_MS: '0',
        SUBGRAPH_RETRY_BUDGET_PERCENT: '50',
        SUBGRAPH_BREAKER_FAILURES: '3',
        SUBGRAPH_BREAKER_OPEN_MS: '1000',
        SUBGRAPH_DEDUP: 'false',
        OPERATION_TIMEOUT_MS: '5000',
      },
      readCommonConfig({}),
    );
    expect(settings.subgraphTransport).toMatchObject({
      retries: 0,
      retryBackoffMs: 0,
      retryBudgetPercent: 50,
      breakerFailures: 3,
      breakerOpenMs: 1000,
      dedup: false,
      operationTimeoutMs: 5000,
    });
  });

  it('given a pool idle time below the subgraphs’ keep-alive timeout, then both are accepted', () => {
    const settings = readGatewaySettings(
      { SUBGRAPH_POOL_IDLE_MS: '8000', SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS: '9000', SUBGRAPH_TIMEOUT_MS: '2500' },
      readCommonConfig({}),
    );
    expect(settings.subgraphTransport).toMatchObject({ poolIdleMs: 8000, timeoutMs: 2500 });
  });

  it.each([
    [{ SUBGRAPH_POOL_IDLE_MS: '5000' }, /^SUBGRAPH_POOL_IDLE_MS must be below the subgraphs' keep-alive timeout \(SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS, 5000 ms\)/],
    [
      { SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS: '3000' },
      /^SUBGRAPH_POOL_IDLE_MS must be below the subgraphs' keep-alive timeout \(SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS, 3000 ms\), .*got "4000"/,
    ],
    [{ SUBGRAPH_TIMEOUT_MS: '0' }, /^SUBGRAPH_TIMEOUT_MS must be a positive integer/],
    [{ SUBGRAPH_MAX_RESPONSE_BYTES: 'lots' }, /^SUBGRAPH_MAX_RESPONSE_BYTES must be a positive integer/],
    [{ SUBGRAPH_RETRIES: '9' }, /^SUBGRAPH_RETRIES must be a whole number from 0 to 5/],
    [{ SUBGRAPH_RETRY_BUDGET_PERCENT: '150' }, /^SUBGRAPH_RETRY_BUDGET_PERCENT must be a whole number from 0 to 100/],
    [{ SUBGRAPH_BREAKER_FAILURES: '0' }, /^SUBGRAPH_BREAKER_FAILURES must be a positive integer/],
    [{ OPERATION_TIMEOUT_MS: '-1' }, /^OPERATION_TIMEOUT_MS must be a positive integer/],
    [{ SUBGRAPH_DEDUP: 'maybe' }, /^SUBGRAPH_DEDUP must be/],
  ])('given %j, when the settings are read, then the transport setting is refused', (env, message) => {
    expect(() => readGatewaySettings(env, readCommonConfig({}))).toThrow(message);
  });
});
