import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/config/config.ts';

const cognito = {
  STAGE: 'dev',
  AWS_REGION: 'eu-west-1',
  ENTITIES_TABLE: 'entity-platform-dev-entities',
  IDENTITY_PROVIDER: 'cognito',
  RUNTIME_SECRET_ID: 'entity-platform/dev/runtime',
  COGNITO_USER_POOL_ID: 'eu-west-1_AbC123',
  COGNITO_APP_CLIENT_ID: 'app123',
  COGNITO_SERVICE_CLIENT_ID: 'svc456',
};
const local = {
  STAGE: 'local',
  AWS_REGION: 'eu-west-1',
  ENTITIES_TABLE: 'entities-local',
  IDENTITY_PROVIDER: 'local',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
};

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('parses a valid cognito configuration and ignores unrelated variables', () => {
    expect(parseConfig({ ...cognito, PATH: '/usr/bin', HOME: '/root' })).toEqual({ ...cognito, IDEMPOTENCY_TTL_SECONDS: 86_400 });
  });

  it('parses a valid local configuration, which needs no runtime secret', () => {
    expect(parseConfig(local)).toEqual({ ...local, IDEMPOTENCY_TTL_SECONDS: 86_400 });
  });

  it('leaves DYNAMODB_ENDPOINT unset when it is absent (AWS)', () => {
    expect(parseConfig(cognito).DYNAMODB_ENDPOINT).toBeUndefined();
    expect(parseConfig({ ...cognito, IDEMPOTENCY_TTL_SECONDS: '60' }).IDEMPOTENCY_TTL_SECONDS).toBe(60);
    expect(() => parseConfig({ ...cognito, IDEMPOTENCY_TTL_SECONDS: '0' })).toThrow(/IDEMPOTENCY_TTL_SECONDS/);
  });

  it('trims values', () => {
    expect(parseConfig({ ...cognito, ENTITIES_TABLE: '  t  ' }).ENTITIES_TABLE).toBe('t');
  });

  it.each([undefined, '', '   '])('names ENTITIES_TABLE when it is %j', (value) => {
    const error = configError({ ...cognito, ENTITIES_TABLE: value });
    expect(error.name).toBe('ConfigError');
    expect(error.message).toMatch(/ENTITIES_TABLE/);
    expect(error.message).not.toMatch(/STAGE|AWS_REGION|RUNTIME_SECRET_ID/);
  });

  it.each(['not a url', '', '127.0.0.1'])('names DYNAMODB_ENDPOINT when it is the bad value %j', (value) => {
    expect(configError({ ...local, DYNAMODB_ENDPOINT: value }).message).toMatch(/DYNAMODB_ENDPOINT/);
  });

  // `localhost:8000` parses as a URL with scheme `localhost:`; only http(s) endpoints are accepted.
  it('names DYNAMODB_ENDPOINT when it is not an http(s) URL', () => {
    expect(configError({ ...local, DYNAMODB_ENDPOINT: 'localhost:8000' }).message).toMatch(/DYNAMODB_ENDPOINT/);
    expect(configError({ ...local, DYNAMODB_ENDPOINT: 'ftp://127.0.0.1:8000' }).message).toMatch(/DYNAMODB_ENDPOINT/);
  });

  it.each([['okta'], [undefined], ['']])('rejects the identity provider %j', (provider) => {
    expect(configError({ ...cognito, IDENTITY_PROVIDER: provider }).message).toMatch(/IDENTITY_PROVIDER/);
  });

  it.each([undefined, ''])('requires RUNTIME_SECRET_ID for cognito when it is %j', (value) => {
    expect(configError({ ...cognito, RUNTIME_SECRET_ID: value }).message).toMatch(/RUNTIME_SECRET_ID/);
  });

  it('requires the user pool and its app client for cognito, and checks the pool id', () => {
    expect(configError({ ...cognito, COGNITO_USER_POOL_ID: undefined, COGNITO_APP_CLIENT_ID: undefined }).message).toBe(
      'Invalid configuration: COGNITO_USER_POOL_ID: is required when IDENTITY_PROVIDER is cognito; COGNITO_APP_CLIENT_ID: is required when IDENTITY_PROVIDER is cognito',
    );
    expect(configError({ ...cognito, COGNITO_USER_POOL_ID: 'pool' }).message).toBe('Invalid configuration: COGNITO_USER_POOL_ID: must be a user pool id, e.g. eu-west-1_AbC123');
    expect(parseConfig({ ...cognito, COGNITO_SERVICE_CLIENT_ID: undefined }).COGNITO_SERVICE_CLIENT_ID).toBeUndefined();
  });

  it('lists every bad variable at once', () => {
    const message = configError({ ...cognito, STAGE: undefined, AWS_REGION: '' }).message;
    expect(message).toMatch(/STAGE/);
    expect(message).toMatch(/AWS_REGION/);
  });
});
