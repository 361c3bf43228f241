// Values serverless.yml reads with ${file(...)}: computed at package time, never hard-coded.
const path = require('node:path');

/** The local issuer's key folder as an absolute path: `sls invoke local` runs handlers from the esbuild work folder. */
module.exports.localIssuerDir = () => process.env.LOCAL_ISSUER_DIR || path.resolve(__dirname, '..', '..', '.local', 'issuer');
