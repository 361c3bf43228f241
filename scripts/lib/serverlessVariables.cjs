// Values serverless.yml reads with ${file(...)}: computed at package time, never hard-coded.
const path = require('node:path');

/** The local issuer's key folder as an absolute path: `sls invoke local` runs handlers from the esbuild work folder. */
module.exports.localIssuerDir = () => process.env.LOCAL_ISSUER_DIR || path.resolve(__dirname, '..', '..', '.local', 'issuer');

/**
 * A digest of every read-model migration (names and SQL): the `ReadModelMigrations` custom
 * resource carries it, so a deploy that adds or edits a migration updates the resource, which
 * runs the migrate function (resources/migrations.yml).
 */
module.exports.migrationsChecksum = () => {
  const fs = require('node:fs');
  const { createHash } = require('node:crypto');
  const dir = path.resolve(__dirname, '..', '..', 'migrations');
  const hash = createHash('sha256');
  for (const name of fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) hash.update(`${name}\n`).update(fs.readFileSync(path.join(dir, name)));
  return `sha256:${hash.digest('hex')}`;
};

/** The local stage's endpoints: the environment, else what `npm start` wrote to .local/stack.env, else the defaults (localSettings.cjs). */
module.exports.localSettings = () => require('./localSettings.cjs').readLocalSettings();
