// The analyst console in a real browser (Debian's chromium driven by playwright-core) against a
// real `vigil serve` on the embedded store, with every piece of data created through the public
// API: sign in, see the incident an sshd burst raises appear in the queue without reloading, open
// and triage it, approve the waiting block-IP step and see it complete on the timeline, close it
// with a resolution, find it on the dashboard, export a signed report, then the rules page, the
// Chinese console and the keyboard. Screenshots go to VIGIL_SCREENSHOT_DIR (docs/screenshots
// when refreshing the README's pictures) or a temp folder.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../../scripts/build-console.ts';
import { cleanEnv, vigilBin } from '../../helpers/server.ts';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN_KEY = 'e2e-console-admin-key-0123456789';
const shotDir = process.env.VIGIL_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'vigil-console-shots-'));

interface StandIn {
  url: string;
  requests: Array<{ path: string; body: Record<string, unknown> }>;
  server: Server;
}

/** A local firewall / chat webhook: records what the playbook sends and says yes. */
async function standIn(): Promise<StandIn> {
  const requests: StandIn['requests'] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw || '{}');
      } catch {
        body = { raw };
      }
      requests.push({ path: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, id: `blk-${requests.length}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, server };
}

async function startServer(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string; log: () => string }> {
  const proc = spawn(process.execPath, [vigilBin, 'serve', '--port', '0'], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout?.on('data', (d) => (log += d));
  const url = await new Promise<string>((resolve, reject) => {
    // Loading the bundled Sigma rules takes a while on a busy machine.
    const timer = setTimeout(() => reject(new Error(`vigil did not start in 90 s:\n${log}`)), 90_000);
    proc.stderr?.on('data', (d) => {
      log += d;
      const m = /listening on (\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`vigil exited with ${code}:\n${log}`)));
  });
  return { proc, url, log: () => log };
}

async function api<T>(base: string, key: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

function sshBurst(ip: string, host: string): string {
  const now = new Date();
  const stamp = now.toUTCString().slice(8, 11) + ' ' + String(now.getUTCDate()).padStart(2, ' ') + ' ' + now.toISOString().slice(11, 19);
  return Array.from({ length: 10 }, (_, i) => `${stamp} ${host} sshd[${4100 + i}]: Failed password for invalid user admin from ${ip} port ${50000 + i} ssh2`).join('\n');
}

describe('analyst console in Chromium', () => {
  let vigil: Awaited<ReturnType<typeof startServer>>;
  let firewall: StandIn;
  let notify: StandIn;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let analystKey: string;
  let complianceKey: string;
  let incidentId: string;
  const requestUrls: string[] = [];
  const pageErrors: string[] = [];
  const failedResponses: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package (apt-get install -y chromium); .ci/run does it`);
    await buildConsole();
    mkdirSync(shotDir, { recursive: true });
    firewall = await standIn();
    notify = await standIn();
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-console-e2e-'));
    vigil = await startServer({
      VIGIL_DATA_DIR: dataDir,
      VIGIL_BOOTSTRAP_ADMIN_KEY: ADMIN_KEY,
      VIGIL_LOG_LEVEL: 'warn',
      PLAYBOOK_FIREWALL_URL: firewall.url,
      PLAYBOOK_FIREWALL_TOKEN: 'fw-token',
      PLAYBOOK_NOTIFY_URL: `${notify.url}/hook`,
    });
    analystKey = (await api<{ key: string }>(vigil.url, ADMIN_KEY, 'POST', '/keys', { name: 'alice', role: 'analyst' })).key;
    complianceKey = (await api<{ key: string }>(vigil.url, ADMIN_KEY, 'POST', '/keys', { name: 'carol', role: 'compliance' })).key;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true, locale: 'en-GB', timezoneId: 'UTC' });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('request', (r) => requestUrls.push(r.url()));
    // Cumulative layout shift of everything after sign-in, read by the layout test.
    await page.addInitScript(
      "window.vigilShift = 0; new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.vigilShift += e.value; }).observe({ type: 'layout-shift', buffered: true });",
    );
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    page.on('response', (r) => {
      if (r.status() >= 400) failedResponses.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    });
    page.on('console', (m) => {
      // Refusals the tests provoke on purpose (wrong key, unknown merge source) are logged by the browser too.
      if (m.type() === 'error' && !/status of (400|401|403|404|409)/.test(m.text())) pageErrors.push(m.text());
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    vigil?.proc.kill('SIGTERM');
    await new Promise((r) => (vigil?.proc.exitCode !== null ? r(null) : vigil.proc.once('exit', r)));
    firewall?.server.close();
    notify?.server.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the console with a strict Content-Security-Policy', async () => {
    const res = await fetch(`${vigil.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).not.toContain('unsafe-inline');
  });

  it('refuses a wrong key with a sentence, then signs in with the key kept out of the URL', async () => {
    await page.goto(`${vigil.url}/`);
    await page.fill('#api-key', 'not-a-real-key-at-all');
    await page.click('form.signin button[type=submit]');
    await expect.poll(() => page.textContent('#signin-msg')).toContain('This API key is not valid');

    await page.fill('#api-key', analystKey);
    await page.click('form.signin button[type=submit]');
    await page.waitForSelector('#queue-table');
    expect(await page.textContent('#me')).toContain('alice');
    expect(await page.textContent('#me')).toContain('analyst');
    expect(page.url()).not.toContain(analystKey);
    expect(requestUrls.some((u) => u.includes(analystKey))).toBe(false);
    expect(await page.evaluate("sessionStorage.getItem('vigil.apiKey')")).toBe(analystKey);
    expect(await page.evaluate("localStorage.getItem('vigil.apiKey')")).toBeNull();
  });

  it('shows the incident an sshd burst raises in the queue without a reload', async () => {
    await page.waitForSelector('#queue-table tbody td.empty');
    const marker = await page.evaluate('window.vigilE2eMarker = 42');
    await api(vigil.url, ADMIN_KEY, 'POST', '/ingest/raw?dataset=system.auth', sshBurst('203.0.113.7', 'web01'), 'text/plain');
    const row = page.locator('#queue-table tbody tr[data-id]', { hasText: 'web01' });
    await row.first().waitFor({ timeout: 45_000 });
    // A second burst against another host opens a second incident.
    await api(vigil.url, ADMIN_KEY, 'POST', '/ingest/raw?dataset=system.auth', sshBurst('198.51.100.23', 'bastion01'), 'text/plain');
    await page.locator('#queue-table tbody tr[data-id]', { hasText: 'bastion01' }).first().waitFor({ timeout: 45_000 });
    // Same document: the row came by live refresh, not by a reload.
    expect(await page.evaluate('window.vigilE2eMarker')).toBe(marker);
    incidentId = (await row.first().getAttribute('data-id')) as string;
    expect(await row.first().textContent()).toContain('High');
    await expect.poll(() => page.textContent('[data-count=all]')).toBe('2');
    await page.screenshot({ path: join(shotDir, 'queue.png') });
  }, 60_000);

  it('filters the queue by host and free text', async () => {
    await page.fill('#f-host', 'web01');
    await page.click('#apply-filters');
    await page.waitForSelector(`#queue-table tr[data-id="${incidentId}"]`);
    expect(page.url()).toContain('host=web01');
    await page.fill('#f-host', 'nosuchhost');
    await page.click('#apply-filters');
    await page.waitForSelector('#queue-table td.empty');
    await page.goto(`${vigil.url}/#/queue`);
    await page.waitForSelector(`#queue-table tr[data-id="${incidentId}"]`);
  });

  it('opens the incident: header, clocks counting down, alerts with events, observables, waiting playbook step', async () => {
    await page.click(`#queue-table tr[data-id="${incidentId}"] .c-title a`);
    await page.waitForSelector('#inc-title:has-text("web01")');
    expect(await page.textContent('.inc-head')).toContain('High');
    await page.waitForSelector('.clock-value[data-deadline]');
    const first = await page.textContent('.clock-value[data-deadline]');
    expect(first).toMatch(/left|overdue/);
    await expect.poll(() => page.textContent('.clock-value[data-deadline]'), { timeout: 5000 }).not.toBe(first);
    expect(await page.textContent('.observables')).toContain('203.0.113.7');
    await page.click('#alerts details.events summary');
    await page.waitForSelector('#alerts table.kv');
    expect(await page.textContent('#alerts table.kv')).toContain('source.ip');
    // Raw view shows the line as received.
    await page.click('#alerts .seg-group button:has-text("Raw")');
    expect(await page.textContent('#alerts pre.raw:visible')).toContain('Failed password');
    await page.waitForSelector('#runs li[data-step="approve_block"][data-status="waiting_approval"]');
  });

  it('triages: assign, tag, comment — each lands on the timeline', async () => {
    await page.fill('#assignee', 'alice');
    await page.click('#assign-submit');
    await expect.poll(() => page.textContent('#inc-assignee')).toBe('alice');
    await page.fill('#tags', 'ssh, bruteforce');
    await page.click('#tags-submit');
    await expect.poll(() => page.textContent('#inc-tags')).toContain('bruteforce');
    await page.fill('#comment', 'Source is a known scanner; blocking it.');
    await page.click('#comment-submit');
    await page.waitForSelector('#timeline li[data-kind="comment"]:has-text("known scanner")');
  });

  it('approves the block-IP step with a reason and sees it complete on the timeline', async () => {
    await page.fill('#runs .decision-reason', 'Confirmed brute force from an external address');
    await page.click('#runs button.approve');
    await page.waitForSelector('#runs li[data-step="block_source_ip"][data-status="succeeded"]', { timeout: 30_000 });
    await page.waitForSelector('#timeline li[data-kind="playbook_step"]:has-text("block_source_ip: succeeded")', { timeout: 30_000 });
    const block = firewall.requests.find((r) => r.path === '/blocks');
    expect(block?.body.ip).toBe('203.0.113.7');
    expect(await page.textContent('#runs')).toContain('Confirmed brute force');
    await page.waitForSelector('.flash.ok', { state: 'detached', timeout: 10_000 });
    await page.screenshot({ path: join(shotDir, 'incident.png'), fullPage: true });
  }, 45_000);

  it('offers only the transitions the lifecycle allows and closes with a resolution and summary', async () => {
    const detail = await api<{ allowedTransitions: string[]; incident: { state: string } }>(vigil.url, analystKey, 'GET', `/incidents/${incidentId}`);
    const offered = await page.$$eval('#transition-to option', (os) => os.map((o) => o.getAttribute('value') ?? ''));
    expect(offered.sort()).toEqual([...detail.allowedTransitions].sort());
    expect(offered).not.toContain(detail.incident.state);
    await page.selectOption('#transition-to', 'closed');
    await page.click('#transition-submit');
    // Closing without a summary is explained, not sent.
    await page.waitForSelector('.flash.error:has-text("resolution and a summary")');
    await page.selectOption('#transition-resolution', 'true_positive');
    await page.fill('#transition-summary', 'Brute force from 203.0.113.7 blocked at the firewall; no successful login.');
    await page.click('#transition-submit');
    await expect.poll(() => page.textContent('#inc-state')).toBe('Closed');
    await page.waitForSelector('#timeline li[data-kind="transition"]:has-text("True positive")');
    const reopen = await page.$$eval('#transition-to option', (os) => os.map((o) => o.getAttribute('value') ?? ''));
    expect(reopen).toEqual(['triaged']);
  });

  it('shows the closed incident on the dashboard', async () => {
    await page.click('header.top a:has-text("Dashboard")');
    await page.waitForSelector('#d-state ul.bars li:has-text("Closed")');
    expect(await page.textContent('#d-state ul.bars li:has-text("Closed") .bar-value')).toBe('1');
    await page.waitForSelector('#d-volume svg.chart rect.fill-high');
    await page.waitForSelector('#d-top li:has-text("web01")');
    await page.waitForSelector('#d-times tr[data-metric="mttr"]');
    expect(await page.textContent('#d-times tr[data-metric="mttr"]')).not.toContain('—\u2014');
    await page.waitForSelector('#d-attack .matrix-cell');
    await page.waitForSelector('#d-sla table');
    await page.screenshot({ path: join(shotDir, 'dashboard.png'), fullPage: true });
  });

  it('exports the report as PDF and JSON, and the signature verifies', async () => {
    await page.click('header.top a:has-text("Reports")');
    for (const format of ['pdf', 'json'] as const) {
      await page.selectOption('#report-format', format);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-export')]);
      expect(download.suggestedFilename()).toMatch(new RegExp(`\\.${format}$`));
      const path = await download.path();
      const bytes = readFileSync(path);
      if (format === 'pdf') expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
      else expect(JSON.stringify(JSON.parse(bytes.toString('utf8')))).toContain(incidentId);
      await page.waitForSelector('#signature-status[data-valid="true"]');
      expect(await page.textContent('#signature-status')).toContain('Signature verifies');
    }
  });

  it('opens the rule behind the alert: precision counts the true positive; disables and re-enables it (audited)', async () => {
    const detail = await api<{ alerts: Array<{ ruleId: string }> }>(vigil.url, analystKey, 'GET', `/incidents/${incidentId}`);
    const ruleId = detail.alerts[0].ruleId;
    await page.click('header.top a:has-text("Rules")');
    await page.fill('#r-q', 'ssh brute force');
    await page.press('#r-q', 'Enter');
    await page.waitForSelector(`#rules-table tbody tr[data-rule="${ruleId}"]`);
    await page.click(`#rules-table tbody tr[data-rule="${ruleId}"] a`);
    await page.waitForSelector('#rule-detail h2');
    // Closed as a true positive: the rule's precision now counts it.
    expect(await page.textContent('#rule-precision')).toContain('1 true, 0 false positives');
    await page.click(`#rule-detail button[data-switch="${ruleId}"]`);
    await page.waitForSelector(`#rule-detail button[data-switch="${ruleId}"]:has-text("Enable")`);
    const rule = await api<{ rule: { enabled: boolean } }>(vigil.url, analystKey, 'GET', `/rules/${encodeURIComponent(ruleId)}`);
    expect(rule.rule.enabled).toBe(false);
    await page.click(`#rule-detail button[data-switch="${ruleId}"]`);
    await page.waitForSelector(`#rule-detail button[data-switch="${ruleId}"]:has-text("Disable")`);
    const audit = await api<{ items: Array<{ action: string }> }>(vigil.url, ADMIN_KEY, 'GET', `/audit?target=${encodeURIComponent(ruleId)}`);
    expect(audit.items.map((a) => a.action)).toEqual(['rule.enable', 'rule.disable']);
  });

  it('bulk-assigns from the queue, explains a refused merge, marks an alert false positive, and follows an observable to its events', async () => {
    await page.goto(`${vigil.url}/#/queue`);
    const other = page.locator('#queue-table tbody tr[data-id]', { hasText: 'bastion01' }).first();
    await other.waitFor();
    const otherId = (await other.getAttribute('data-id')) as string;
    await other.locator('input[type=checkbox]').check();
    await page.waitForSelector('#bulk:not([hidden])');
    await page.fill('#bulk-assignee', 'bob');
    await page.click('#bulk-assign');
    await page.waitForSelector('.flash.ok:has-text("1 changed, 0 refused")');
    await page.waitForSelector(`#queue-table tr[data-id="${otherId}"] .c-assignee:has-text("bob")`);

    await page.click(`#queue-table tr[data-id="${otherId}"] .c-title a`);
    await page.waitForSelector('#inc-title:has-text("bastion01")');
    await page.fill('#merge-source', 'no-such-incident');
    await page.click('#merge-form button[type=submit]');
    // A sentence first, then the server's own words naming the input.
    await page.waitForSelector('.flash.error:has-text("no-such-incident")');
    expect(await page.textContent('.flash.error')).toMatch(/^(The request was not accepted|Not found)/);

    await page.fill('#alerts .fp-reason', 'Our own vulnerability scanner');
    await page.click('#alerts form.fp button[type=submit]');
    await page.waitForSelector('#alerts .badge.status-false_positive');
    await page.waitForSelector('#timeline li[data-kind="alert_false_positive"]');

    await page.click('.observables a.val:has-text("198.51.100.23")');
    await page.waitForSelector('.event-list details.event');
    expect(await page.$$('.event-list details.event')).toHaveLength(10);
    expect(await page.textContent('.event-list')).toContain('bastion01');
  });

  it('switches to Chinese with standard names and no raw message keys on any page', async () => {
    await page.goto(`${vigil.url}/#/queue`);
    await page.click('header.top button.lang');
    await page.waitForSelector('header.top a:has-text("事件")');
    const { dictionaries } = await import('../../../dashboards/console/src/i18n.ts');
    const keys = Object.keys(dictionaries.en);
    const pages = ['#/queue', `#/incident/${incidentId}`, '#/dashboard', '#/reports', '#/rules', '#/events'];
    for (const hash of pages) {
      await page.goto(`${vigil.url}/${hash}`);
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(300);
      const text = (await page.textContent('body')) ?? '';
      const raw = keys.filter((k) => text.includes(k));
      expect(raw, `raw keys on ${hash}`).toEqual([]);
      if (hash === '#/queue') {
        expect(text).toContain('已关闭');
        expect(text).toContain('网络攻击事件');
      }
      if (hash.startsWith('#/incident')) {
        expect(text).toContain('评估');
        expect(text).toContain('凭据攻击');
        await page.screenshot({ path: join(shotDir, 'incident-zh.png') });
      }
    }
    await page.click('header.top button.lang');
    await page.waitForSelector('header.top a:has-text("Incidents")');
  }, 60_000);

  it('does not shift the layout when data arrives', async () => {
    for (const hash of ['#/queue', `#/incident/${incidentId}`, '#/dashboard']) {
      await page.goto(`${vigil.url}/`);
      await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      await page.reload();
      await page.waitForLoadState('networkidle');
      await page.waitForTimeout(500);
      const shift = Number(await page.evaluate('window.vigilShift'));
      expect(shift, `layout shift on ${hash}`).toBeLessThan(0.1);
    }
  });

  it('works from the keyboard with a visible focus ring', async () => {
    await page.goto(`${vigil.url}/#/queue`);
    await page.waitForSelector(`#queue-table tr[data-id="${incidentId}"]`);
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await page.keyboard.press('/');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('f-q');
    await page.keyboard.type('web01');
    await page.keyboard.press('Enter');
    await page.waitForFunction("location.hash.includes('q=web01')");
    await page.waitForSelector(`#queue-table tr[data-id="${incidentId}"]`);
    await page.focus(`#queue-table tr[data-id="${incidentId}"] .c-title a`);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Shift+Tab');
    const outline = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
    expect(outline).toBe('solid');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#inc-title:has-text("web01")');
  });

  it('shows a compliance key the dashboard, reports and rules but not the incident queue', async () => {
    await page.click('#signout');
    await page.waitForSelector('#api-key');
    expect(await page.evaluate("sessionStorage.getItem('vigil.apiKey')")).toBeNull();
    await page.fill('#api-key', complianceKey);
    await page.click('form.signin button[type=submit]');
    await page.waitForSelector('header.top nav');
    const nav = await page.$$eval('header.top nav a', (as) => as.map((a) => a.textContent));
    expect(nav).toEqual(['Dashboard', 'Reports', 'Rules']);
    await page.goto(`${vigil.url}/#/rules`);
    await page.waitForSelector('#rules-table tbody tr[data-rule]');
    expect(await page.$$('#rules-table button[data-switch]')).toHaveLength(0);
    expect(pageErrors, failedResponses.join('\n')).toEqual([]);
  });
});
