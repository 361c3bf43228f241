import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { readRuntimeSecret } from '../../src/adapters/settings/runtimeSettings.ts';

/** Secrets Manager has no local peer: a stand-in client records the exact request and answers it. */
function secretsManager(secretString: string | undefined) {
  const sent: unknown[] = [];
  return {
    sent,
    client: {
      send: (command: unknown) => {
        sent.push(command);
        return Promise.resolve({ SecretString: secretString });
      },
    } as never,
  };
}

describe('readRuntimeSecret', () => {
  it('asks Secrets Manager for exactly the stage secret and maps it to settings', async () => {
    const sm = secretsManager(JSON.stringify({ userPoolId: 'eu-west-1_AbC123', clientIds: 'app123, svc456', cursorSigningKey: 'k'.repeat(64) }));
    const settings = await readRuntimeSecret(sm.client, 'entity-platform/dev/runtime');
    expect(sm.sent).toHaveLength(1);
    expect(sm.sent[0]).toBeInstanceOf(GetSecretValueCommand);
    expect((sm.sent[0] as GetSecretValueCommand).input).toEqual({ SecretId: 'entity-platform/dev/runtime' });
    expect(settings).toEqual({
      identity: { provider: 'cognito', userPoolId: 'eu-west-1_AbC123', clientIds: ['app123', 'svc456'] },
      cursorSigningKey: 'k'.repeat(64),
    });
  });

  it('fails with the secret name and the bad field when the secret is malformed', async () => {
    const sm = secretsManager(JSON.stringify({ userPoolId: 'not a pool', clientIds: 'a', cursorSigningKey: 'short' }));
    await expect(readRuntimeSecret(sm.client, 'entity-platform/prod/runtime')).rejects.toThrow(/entity-platform\/prod\/runtime.*userPoolId.*cursorSigningKey/s);
  });
});
