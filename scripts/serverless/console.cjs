// The console's share of the service (docs/console.md): CORS for its origin on the API, and
// its deploy (build, upload to the console bucket, config.json, CloudFront invalidation). Pure
// functions over the template and an AWS request function, so tests run them without AWS.
const { Buffer } = require('node:buffer');
const { readdir, readFile } = require('node:fs/promises');
const { join, relative, extname } = require('node:path');

/** What the console sends besides simple headers (the preflight allows these). */
const CORS_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'x-correlation-id'];

/** The `cors` settings every API route gets (API Gateway's preflight; serverless-offline's too). */
function corsSettings(origin) {
  return { origin, headers: CORS_REQUEST_HEADERS, allowCredentials: false, maxAge: 600 };
}

/** Adds `cors` to every http event of the service (not to the 405 catch-alls, `method: any`). */
function addCors(functions, origin) {
  for (const fn of Object.values(functions)) {
    for (const event of fn.events ?? []) {
      if (event.http && typeof event.http === 'object' && String(event.http.method).toLowerCase() !== 'any' && event.http.cors === undefined) {
        event.http.cors = corsSettings(origin);
      }
    }
  }
}

/**
 * In a deployed stage the console's origin is the distribution's (or the stage's domain): a
 * CloudFormation expression, which serverless's `cors` cannot take. The preflights' and the
 * gateway's own answers' Access-Control-Allow-Origin, and CONSOLE_ORIGIN of the functions that
 * answer HTTP (only those: the pool's trigger naming the distribution would make a cycle), are
 * set to it here.
 */
function applyConsoleOrigin(template, originExpression, httpFunctionIds) {
  const quoted = { 'Fn::Join': ['', ["'", originExpression, "'"]] };
  for (const resource of Object.values(template.Resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::ApiGateway::Method' && p.HttpMethod === 'OPTIONS') {
      for (const response of p.Integration?.IntegrationResponses ?? []) {
        if (response.ResponseParameters?.['method.response.header.Access-Control-Allow-Origin'] !== undefined) {
          response.ResponseParameters['method.response.header.Access-Control-Allow-Origin'] = quoted;
        }
        delete response.ResponseTemplates; // serverless's template echoes a matching Origin; there is one origin
      }
    }
    if (resource.Type === 'AWS::ApiGateway::GatewayResponse') {
      p.ResponseParameters = { ...p.ResponseParameters, 'gatewayresponse.header.Access-Control-Allow-Origin': quoted };
    }
  }
  for (const id of httpFunctionIds) {
    const p = template.Resources[id]?.Properties;
    if (p?.Environment?.Variables) {
      p.Environment.Variables.CONSOLE_ORIGIN = originExpression;
    }
  }
}

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const contentTypeOf = (path) => CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
/** Hashed assets never change; index.html and config.json are read again on every visit. */
const cacheControlOf = (key) => (key.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');

/** The built console's files: key, body, content type and cache policy. */
async function consoleFiles(distDir) {
  const files = [];
  const walk = async (dir) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        const key = relative(distDir, path).split('\\').join('/');
        files.push({ key, body: await readFile(path), contentType: contentTypeOf(path), cacheControl: cacheControlOf(key) });
      }
    }
  };
  await walk(distDir);
  return files;
}

/** `config.json` from the stack's outputs: what the bundle reads at start instead of having it built in. */
function runtimeConfig(outputs, stage) {
  for (const name of ['ApiUrl', 'ConsoleUrl', 'UserPoolId', 'UserAppClientId', 'ConsoleAuthDomain']) {
    if (!outputs[name]) throw new Error(`The stack has no ${name} output: deploy resources/console.yml first.`);
  }
  const url = `${outputs.ConsoleUrl.replace(/\/+$/, '')}/`;
  return {
    apiUrl: outputs.ApiUrl.replace(/\/+$/, ''),
    stage,
    auth: {
      userPoolId: outputs.UserPoolId,
      userPoolClientId: outputs.UserAppClientId,
      domain: outputs.ConsoleAuthDomain,
      scopes: ['openid', 'email', 'entities/read', 'entities/write'],
      redirectSignIn: [url],
      redirectSignOut: [url],
    },
  };
}

/**
 * Uploads the built console and its config.json to the console bucket, then invalidates the
 * distribution's cache. `request(service, method, params)` is serverless's AWS provider request.
 * Assets first, index.html and config.json last: a visitor never gets an index naming missing assets.
 */
async function deployConsole({ request, outputs, stage, distDir, log = () => {} }) {
  const bucket = outputs.ConsoleBucketName;
  const distributionId = outputs.ConsoleDistributionId;
  if (!bucket || !distributionId) throw new Error('The stack has no ConsoleBucketName or ConsoleDistributionId output.');
  const files = await consoleFiles(distDir);
  const config = { key: 'config.json', body: Buffer.from(`${JSON.stringify(runtimeConfig(outputs, stage), null, 2)}\n`), contentType: 'application/json', cacheControl: 'no-cache' };
  const last = (f) => f.key === 'index.html';
  for (const file of [...files.filter((f) => !last(f)), config, ...files.filter(last)]) {
    await request('S3', 'putObject', { Bucket: bucket, Key: file.key, Body: file.body, ContentType: file.contentType, CacheControl: file.cacheControl });
  }
  const { Invalidation } = await request('CloudFront', 'createInvalidation', {
    DistributionId: distributionId,
    InvalidationBatch: { CallerReference: `deploy-${Date.now()}`, Paths: { Quantity: 2, Items: ['/index.html', '/config.json'] } },
  });
  log(`Console: ${files.length} files and config.json uploaded to ${bucket}; invalidation ${Invalidation?.Id ?? '(no id)'} of ${distributionId}; ${outputs.ConsoleUrl}`);
  return { uploaded: files.length + 1 };
}

/**
 * Empties the console bucket before `sls remove` (CloudFormation cannot delete a bucket that holds
 * objects): the build is rebuilt by every deploy, so nothing is lost. Pages of up to 1000 keys
 * (ListObjectsV2), each deleted in one DeleteObjects call. Returns how many objects went.
 */
async function emptyConsoleBucket({ request, outputs, log = () => {} }) {
  const bucket = outputs.ConsoleBucketName;
  if (!bucket) return 0;
  let deleted = 0;
  let token;
  do {
    const page = await request('S3', 'listObjectsV2', { Bucket: bucket, ContinuationToken: token });
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key }));
    if (keys.length > 0) {
      const { Errors } = await request('S3', 'deleteObjects', { Bucket: bucket, Delete: { Objects: keys, Quiet: true } });
      if (Errors?.length) throw new Error(`Could not empty ${bucket}: ${Errors.map((e) => `${e.Key}: ${e.Code}`).join(', ')}`);
      deleted += keys.length;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  log(`Console: ${deleted} objects removed from ${bucket}`);
  return deleted;
}

module.exports = { emptyConsoleBucket, CORS_REQUEST_HEADERS, contentTypeOf, cacheControlOf, corsSettings, addCors, applyConsoleOrigin, consoleFiles, runtimeConfig, deployConsole };
