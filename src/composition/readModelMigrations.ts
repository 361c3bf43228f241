import { MIGRATIONS } from '../../migrations/index.ts';
import { migrate, type MigrationReport } from '../adapters/postgres/migrator.ts';
import { loadReadModelPool } from './readModel.ts';

/** Applies the read model's pending migrations (migrations/, bundled into the migrate function) over the container's pool. */
export async function migrateReadModel(log: (message: string) => void): Promise<MigrationReport> {
  return migrate(await loadReadModelPool(), MIGRATIONS, log);
}
