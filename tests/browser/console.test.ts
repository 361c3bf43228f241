import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, READ_WRITE, token, uniqueTenant } from '../support/api.ts';

/**
 * The console in a real browser (Debian's Chromium, driven by playwright-core) against the stack
 * the global setup started: the local sign-in (Amplify's hosted-UI code path), an entity created,
 * edited, changed underneath (412) and re-applied, found by search and in stats, an import with a
 * bad line and its rejection, an export, sign-out. Each screen is checked with axe and
 * photographed into test-results/console/ (docs/console.md).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'test-results', 'console');

let context: BrowserContext;
let page: Page;
let userDataDir: string;
const tenant = uniqueTenant('console');
const name = `Console widget ${tenant}`;
const refreshes: number[] = [];

/** Clicks `button` until `shown` is on the page: what comes from the event pipeline (history, the read model) trails writes. */
async function clickUntil(button: string, shown: () => Promise<number>, what: string): Promise<void> {
  const deadline = Date.now() + 40_000;
  for (;;) {
    await page.getByRole('button', { name: button }).click();
    await page.waitForTimeout(300);
    if ((await shown()) > 0) return;
    if (Date.now() > deadline) throw new Error(`${what} never showed up`);
    await page.waitForTimeout(500);
  }
}

async function screen(file: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  const summary = violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, `accessibility violations on ${file}`).toEqual([]);
  await page.screenshot({ path: join(SCREENSHOTS, `${file}.png`), fullPage: true });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH.`);
  await mkdir(SCREENSHOTS, { recursive: true });
  userDataDir = await mkdtemp(join(tmpdir(), 'console-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The local sign-in's self-signed certificate, and only it (Amplify speaks https:// to the hosted UI).
      `--ignore-certificate-errors-spki-list=${inject('authSpki')}`,
    ],
  });
  page = context.pages()[0] ?? (await context.newPage());
  // The stack shares two cores with the rest of the suite: a first request to a function may be slow.
  page.setDefaultTimeout(45_000);
  page.on('response', (response) => {
    if (response.url().startsWith(inject('authUrl')) && response.request().headers()['x-amz-target']?.endsWith('GetTokensFromRefreshToken')) refreshes.push(response.status());
  });
});

afterEach(async ({ task }) => {
  // What the browser showed when a step failed, beside the screens.
  if (task.result?.state === 'fail') await page?.screenshot({ path: join(SCREENSHOTS, `failed-${task.name.replace(/\W+/g, '-').slice(0, 60)}.png`), fullPage: true }).catch(() => undefined);
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
});

describe('the console', { timeout: 120_000 }, () => {
  const consoleUrl = () => inject('consoleUrl');
  let signedInAt = 0;
  let entityId = '';

  it('signs in through the local hosted UI (authorization code + PKCE) as an admin of a new tenant', async () => {
    await page.goto(`${consoleUrl()}/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await screen('01-signed-out');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/oauth2\/authorize\?/);
    expect(new URL(page.url()).searchParams.get('code_challenge_method')).toBe('S256');
    await screen('02-local-sign-in');
    await page.getByLabel('Tenant').fill(tenant);
    await page.getByLabel('admin').check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Entities' }).waitFor();
    signedInAt = Date.now();
    expect(await page.locator('.who').innerText()).toContain(`tenant ${tenant}`);
    // Keyboard: the first Tab reaches the skip link, which moves on to the page.
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').innerText()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(page.url()).toBe(`${consoleUrl()}/#main`);
    await page.goto(`${consoleUrl()}/`);
    await page.getByRole('heading', { level: 1, name: 'Entities' }).waitFor();
    await screen('03-entities-empty');
  });

  it('creates an entity and shows its attributes as a tree, its version, ETag and history', async () => {
    await page.getByRole('link', { name: 'New entity' }).click();
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Attributes (JSON object)').fill('{"colour":"blue","size":{"h":2},"tags":["a","b"]}');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    entityId = page.url().split('/').pop()!;
    expect(await page.locator('.facts').innerText()).toMatch(/Version\s+1\s+ETag\s+"1"/);
    expect(await page.getByRole('list', { name: 'Attributes' }).innerText()).toMatch(/colour\s*:\s*"blue"/);
    await clickUntil('Refresh history', () => page.getByRole('cell', { name: 'EntityCreated' }).count(), 'the EntityCreated event in the history');
    await screen('04-entity');
  });

  it('shows a problem+json answer (a taken name) with its detail', async () => {
    await page.getByRole('link', { name: 'New entity' }).click();
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Create' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toContain('(409)');
    await page.getByRole('link', { name: 'Open the entity that has this name' }).waitFor();
    await screen('05-problem');
  });

  it('edits with a merge patch, then shows a 412 when someone changed it and re-applies the change', async () => {
    await page.goto(`${consoleUrl()}/entities/${entityId}`);
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Attributes (JSON object)').fill('{"colour":"red","size":{"h":2},"tags":["a","b"]}');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved: version 2.').waitFor();

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Attributes (JSON object)').fill('{"colour":"red","size":{"h":3},"tags":["a","b"]}');
    // Someone else changes it meanwhile.
    const other = await token({ tenantId: tenant, scopes: READ_WRITE });
    const elsewhere = await api('PATCH', `/api/v1/secure/entities/${entityId}`, { token: other, headers: { 'If-Match': '"2"' }, body: { attributes: { shape: 'round' } } });
    expect(elsewhere.status).toBe(200);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Someone changed this entity.').waitFor();
    expect(await page.locator('.conflict').innerText()).toContain('You edited version 2; it is now version 3');
    expect(await page.getByRole('list', { name: 'Attributes' }).innerText()).toContain('shape');
    await screen('06-conflict-412');
    await page.getByRole('button', { name: 'Re-apply my change to version 3' }).click();
    await page.getByText('Saved: version 4.').waitFor();
    const attributes = await page.getByRole('list', { name: 'Attributes' }).innerText();
    expect(attributes).toMatch(/h\s*:\s*3/);
    expect(attributes).toContain('shape');
  });

  it('finds it by name and attribute in the read model, with its freshness', async () => {
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Name contains').fill(tenant);
    await page.getByLabel('Attribute 1 key').fill('size.h');
    await page.getByLabel('Attribute 1 value').fill('3');
    // The read model trails writes by the event pipeline: search until version 4 is projected.
    await clickUntil('Search', () => page.getByRole('link', { name }).count(), 'the entity in the search');
    expect(await page.locator('.freshness').innerText()).toContain('Read model: newest change applied');
    await screen('07-search');
  });

  it('counts it in the stats chart', async () => {
    await page.getByRole('link', { name: 'Stats' }).click();
    await page.getByLabel('Group by attribute').fill('colour');
    await page.getByRole('button', { name: 'Show counts' }).click();
    await page.getByRole('table', { name: 'Entities per attr.colour' }).waitFor();
    expect(await page.getByRole('row', { name: /red/ }).innerText()).toMatch(/red\s+1/);
    await screen('08-stats');
  });

  it('imports a file with a bad line (uploaded through a pre-signed URL) and shows the rejection', async () => {
    await page.getByRole('link', { name: 'Jobs' }).click();
    const lines = ['{"name":"Imported tank","attributes":{"colour":"green"}}', '{broken', '{"name":"Imported pump"}'];
    await page.getByLabel('File (NDJSON or CSV)').setInputFiles({ name: 'catalogue.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(`${lines.join('\n')}\n`) });
    await page.getByRole('button', { name: 'Upload and import' }).click();
    const job = page.locator('.job').first();
    await job.getByText('SUCCEEDED').waitFor({ timeout: 30_000 });
    expect(await job.innerText()).toMatch(/2 imported/);
    await job.getByRole('button', { name: 'Show the 1 rejected lines' }).click();
    const rejected = job.getByRole('table', { name: 'Rejected lines' });
    await rejected.waitFor();
    expect(await rejected.innerText()).toMatch(/2\s+not valid JSON/);
    await screen('09-import-rejects');
  });

  it('exports the tenant and offers the file for download', async () => {
    await page.getByRole('button', { name: 'Export all entities' }).click();
    const job = page.locator('.job').first();
    await job.getByText('SUCCEEDED').waitFor({ timeout: 30_000 });
    const link = job.getByRole('link', { name: 'Download the export (NDJSON)' });
    const exported = await (await fetch((await link.getAttribute('href'))!)).text();
    expect(exported.trim().split('\n').map((l) => JSON.parse(l).name).sort()).toEqual(['Imported pump', 'Imported tank', name].sort());
    await screen('10-export');
  });

  it('keeps working past the access token lifetime: Amplify refreshed the tokens', async () => {
    // The test stack's tokens live 20 s; Amplify refreshes 5 s before they expire.
    await page.waitForTimeout(Math.max(0, signedInAt + 16_000 - Date.now()));
    await page.getByRole('link', { name: 'Entities' }).click();
    await page.getByRole('link', { name }).waitFor();
    expect(refreshes.length).toBeGreaterThan(0);
    expect(refreshes.every((status) => status === 200)).toBe(true);
    await screen('11-entities');
  });

  it('signs out through the hosted UI logout', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(page.url()).toBe(`${consoleUrl()}/`);
    const stale = (await context.storageState()).origins.flatMap((o) => o.localStorage.map((item) => item.name)).filter((k) => k.includes('accessToken'));
    expect(stale).toEqual([]);
  });
});
