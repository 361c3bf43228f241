// The local stack's settings file: `npm start` writes the endpoints it serves to .local/stack.env,
// and every other local command reads them (serverless.yml's local stage through
// serverlessVariables.cjs, so `sls invoke local`, and `npm run s3` through readLocalSettings;
// `npm run migrate` and `npm run worker` through Node's --env-file-if-exists), so a stack on
// custom ports is never missed for a default one. LOCAL_DEFAULTS are npm start's default ports. The environment wins over the file, the file over the defaults.
const fs = require('node:fs');
const path = require('node:path');
const { parseEnv } = require('node:util');
const { URL } = require('node:url');

const LOCAL_SETTINGS_FILE = path.resolve(__dirname, '..', '..', '.local', 'stack.env');

/** What the local stack serves when started without port variables. */
const LOCAL_DEFAULTS = Object.freeze({
  API_URL: 'http://127.0.0.1:3000',
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
  EVENTBRIDGE_ENDPOINT: 'http://127.0.0.1:4010',
  ECS_ENDPOINT: 'http://127.0.0.1:4011',
  S3_ENDPOINT: 'http://127.0.0.1:4569',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5433/postgres',
  CONSOLE_ORIGIN: 'http://127.0.0.1:5173',
});

/** The port of a default endpoint: `npm start`'s default for the port variable that serves it. */
function defaultPort(name) {
  return Number(new URL(LOCAL_DEFAULTS[name]).port);
}

/** The local settings: each from the environment, else the file (if npm start wrote one), else the default. */
function readLocalSettings(file = LOCAL_SETTINGS_FILE, env = process.env) {
  let written = {};
  try {
    written = parseEnv(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  return Object.fromEntries(Object.entries(LOCAL_DEFAULTS).map(([name, fallback]) => [name, env[name] || written[name] || fallback]));
}

/** The file's text for `settings` (dotenv lines, as Node's --env-file reads them). */
function formatLocalSettings(settings) {
  const lines = Object.keys(LOCAL_DEFAULTS).map((name) => {
    const value = String(settings[name] ?? LOCAL_DEFAULTS[name]);
    if (/[\s"'#\\]/.test(value)) throw new Error(`local setting ${name} cannot be written: ${JSON.stringify(value)}`);
    return `${name}=${value}`;
  });
  return `# Written by npm start: what the running local stack serves. Read by sls invoke local, npm run s3, migrate and worker.\n${lines.join('\n')}\n`;
}

module.exports = { LOCAL_SETTINGS_FILE, LOCAL_DEFAULTS, defaultPort, readLocalSettings, formatLocalSettings };
