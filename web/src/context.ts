import { createContext, useContext } from 'react';
import type { EntityPlatformClient } from 'entity-platform/client';
import type { User } from './auth.ts';
import type { ConsoleConfig } from './config.ts';

export interface Session {
  readonly config: ConsoleConfig;
  readonly api: EntityPlatformClient;
  readonly user: User;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

export const isAdmin = (user: User): boolean => user.groups.includes('admin');
