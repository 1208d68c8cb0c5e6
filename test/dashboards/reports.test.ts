// Compliance reports with real parts: incidents opened by the real alert intake and moved through
// the real incident service (timelines, SLA clocks, audit), a playbook run with an approval, then
// the report in JSON, CSV and PDF, signed, verified (also with openssl), and tampered with.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../bin/cli.ts';
import type { CommandIo } from '../../bin/commands/types.ts';
import { loadCategoryLabels } from '../../dashboards/reports/category-labels.ts';
import { csvColumns } from '../../dashboards/reports/csv.ts';
import type { IncidentReport } from '../../dashboards/reports/incident-report.ts';
import { ReportService, writeSignedReport } from '../../dashboards/reports/report-service.ts';
import { verifyReportSignature } from '../../dashboards/reports/signature.ts';
import { ensureSigningKey, instanceCa } from '../../dashboards/reports/signing-key.ts';
import { alice, type Harness, HOUR, harness, MIN, openIncident } from './harness.ts';
import { readPdfText } from './pdf-text.ts';

const bob = { id: 'key:rs1', name: 'bob', role: 'responder' as const };

let h: Harness;
const ids: Record<'a' | 'b' | 'c' | 'late', string> = { a: '', b: '', c: '', late: '' };
const period = { from: '2026-03-02', to: '2026-03-03' };

beforeAll(async () => {
  h = harness('2026-03-02T08:00:00.000Z');
  const by = { actor: alice };
  ids.a = await openIncident(h, { host: 'web-01', ip: '203.0.113.7' });
  ids.b = await openIncident(h, { host: 'db-02', ip: '198.51.100.9', ruleId: 'vigil-ransom-note', ruleTitle: 'Ransom note written' });
  ids.c = await openIncident(h, { host: 'app-03', ip: '192.0.2.44' });
  await h.service.regrade(ids.a, { grade: 'II', reason: 'customer-facing web server' }, by);
  await h.service.regrade(ids.b, { grade: 'I', reason: 'database encrypted' }, by);
  await h.service.regrade(ids.c, { grade: 'III', reason: 'internal app' }, by);
  await h.service.classify(ids.b, { category: 'malicious_program', subcategory: 'ransomware' }, by);
  h.clock.advance(10 * MIN);
  await h.service.transition(ids.a, { to: 'triaged' }, by);
  await h.service.comment(ids.a, { text: 'blocking the source at the edge' }, by);
  h.clock.advance(20 * MIN);
  // Grade I must be triaged within 15 minutes: this one breaches.
  await h.service.transition(ids.b, { to: 'triaged' }, by);
  h.clock.advance(30 * MIN);
  await h.service.transition(ids.a, { to: 'contained' }, by);
  await h.service.transition(ids.b, { to: 'closed', resolution: 'false_positive', summary: 'backup job renamed files' }, by);
  h.clock.advance(HOUR);
  await h.service.transition(ids.a, { to: 'closed', resolution: 'true_positive', summary: 'brute force blocked, passwords rotated' }, by);
  const at = (ms: number) => new Date(Date.parse('2026-03-02T08:00:00Z') + ms).toISOString();
  await h.store.runs.create({
    id: 'run-1',
    playbookId: 'ssh-bruteforce',
    playbookVersion: 'v1',
    incidentId: ids.a,
    status: 'succeeded',
    trigger: 'incident.created',
    dryRun: false,
    steps: [
      { stepId: 'enrich_ip', status: 'succeeded', attempt: 1, idempotencyKey: 'k1', startedAt: at(MIN), finishedAt: at(MIN) },
      {
        stepId: 'block_ip',
        status: 'succeeded',
        attempt: 1,
        idempotencyKey: 'k2',
        startedAt: at(40 * MIN),
        finishedAt: at(41 * MIN),
        decision: { approved: true, by: 'key:rs1 (bob)', reason: 'confirmed external attacker', at: at(40 * MIN) },
      },
    ],
    data: {},
  });
  // Outside the period: must not appear.
  h.clock.set('2026-03-04T09:00:00.000Z');
  ids.late = await openIncident(h, { host: 'late-09', ip: '192.0.2.99' });
  await h.service.comment(ids.late, { text: 'next week' }, { actor: bob });
});

afterAll(async () => {
  await h.close();
});

function service(): ReportService {
  return new ReportService({ store: h.store, dataDir: h.dataDir, labels: loadCategoryLabels() });
}

function io(cwd: string): CommandIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += String(d);
  });
  stderr.on('data', (d) => {
    err += String(d);
  });
  return { stdout, stderr, stdin: new PassThrough(), env: { VIGIL_DATA_DIR: h.dataDir }, cwd, isTTY: false, out: () => out, err: () => err };
}

describe('incident report content', () => {
  it('registers the incidents created in the period with figures equal to what was done to them', async () => {
    const signed = await service().generate({ ...period, from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z', format: 'json', generatedBy: 'test' });
    const report = JSON.parse(signed.bytes.toString('utf8')) as IncidentReport;
    expect(report.kind).toBe('vigil.incident-report');
    expect(report.incidents.map((r) => r.id).sort()).toEqual([ids.a, ids.b, ids.c].sort());
    const stored = await Promise.all([ids.a, ids.b, ids.c].map((id) => h.store.incidents.get(id)));
    const categories = new Map<string, number>();
    for (const inc of stored) categories.set(inc?.category as string, (categories.get(inc?.category as string) ?? 0) + 1);
    expect(report.summary.incidents).toBe(3);
    expect(report.summary.byGrade).toEqual([
      { key: 'I', count: 1 },
      { key: 'II', count: 1 },
      { key: 'III', count: 1 },
    ]);
    expect(Object.fromEntries(report.summary.byCategory.map((b) => [b.key, b.count]))).toEqual(Object.fromEntries(categories));
    expect(report.summary.byCategory.find((b) => b.key === 'malicious_program')?.name?.zh).toBe('恶意程序事件');
    expect(report.summary.byState).toEqual([
      { key: 'new', count: 1 },
      { key: 'closed', count: 2 },
    ]);
    expect(report.summary.sla).toEqual({ met: 1, breached: 1, open: 1 });
    expect(report.summary.slaByGrade).toEqual([
      { grade: 'I', met: 0, breached: 1, open: 0 },
      { grade: 'II', met: 1, breached: 0, open: 0 },
      { grade: 'III', met: 0, breached: 0, open: 1 },
    ]);
    // Triaged 10 and 30 minutes after the first alert.
    expect(report.summary.responseTimes.mtta).toMatchObject({ count: 2, median: 1200, min: 600, max: 1800 });
    expect(report.summary.responseTimes.mttr).toMatchObject({ count: 2, min: 3600, max: 7200 });

    const a = report.incidents.find((r) => r.id === ids.a);
    expect(a).toMatchObject({
      state: 'closed',
      grade: 'II',
      resolution: 'true_positive',
      sla: { outcome: 'met', clocks: { triage: 'met', contain: 'met', close: 'met' } },
      phases: { new: '2026-03-02T08:00:00.000Z', triaged: '2026-03-02T08:10:00.000Z', contained: '2026-03-02T09:00:00.000Z', closed: '2026-03-02T10:00:00.000Z' },
      approvals: [{ by: 'key:rs1 (bob)', approved: true, step: 'ssh-bruteforce/block_ip' }],
    });
    const actions = a?.actions.map((x) => `${x.source} ${x.actor} ${x.action}`) ?? [];
    expect(actions).toContain('playbook playbook:ssh-bruteforce ssh-bruteforce/block_ip succeeded');
    expect(actions).toContain('analyst key:an1 (alice) comment: blocking the source at the edge');
    expect(actions.some((x) => x.includes('state contained → closed (true_positive)'))).toBe(true);
    const b = report.incidents.find((r) => r.id === ids.b);
    expect(b).toMatchObject({ grade: 'I', category: 'malicious_program', subcategory: 'ransomware', resolution: 'false_positive', sla: { outcome: 'breached', clocks: { triage: 'breached' } } });

    const audit = (await h.store.audit.list({ range: { from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' } }, { limit: 1000 })).items;
    expect(report.audit.map((e) => e.id).sort()).toEqual(audit.map((e) => e.id).sort());
    expect(report.audit.length).toBeGreaterThanOrEqual(10);
    expect(report.audit.some((e) => e.target === ids.late)).toBe(false);
  });

  it('writes the register as CSV with one row per incident and the documented columns', async () => {
    const signed = await service().generate({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z', format: 'csv', generatedBy: 'test' });
    const text = signed.bytes.toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual([...csvColumns]);
    expect(rows.length).toBe(4);
    const byId = new Map(rows.slice(1).map((r) => [r[0], Object.fromEntries(csvColumns.map((c, i) => [c, r[i]]))]));
    expect(byId.get(ids.a)).toMatchObject({ grade: 'II', resolution: 'true_positive', sla: 'met', triaged_at: '2026-03-02T08:10:00.000Z', closed_at: '2026-03-02T10:00:00.000Z' });
    expect(byId.get(ids.a)?.approvers).toContain('key:rs1 (bob) approved ssh-bruteforce/block_ip');
    expect(byId.get(ids.a)?.actions.split('\n').length).toBeGreaterThanOrEqual(5);
    expect(byId.get(ids.b)).toMatchObject({ grade: 'I', category: 'malicious_program', category_name: '恶意程序事件 Malicious program', sla: 'breached' });
    expect(byId.get(ids.c)).toMatchObject({ state: 'new', sla: 'open', closed_at: '' });
  });

  it('draws a PDF that parses back and shows the summary, charts, register and audit extract', async () => {
    const signed = await service().generate({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z', format: 'pdf', generatedBy: 'test' });
    const pdf = readPdfText(signed.bytes);
    expect(pdf.pages.length).toBeGreaterThanOrEqual(3);
    expect(pdf.text).toContain('Vigil incident report');
    expect(pdf.text).toContain('Incidents: 3');
    expect(pdf.text).toContain('SLA: met 1, breached 1, open 1');
    expect(pdf.text).toContain('Incidents by grade');
    // The category chart's labels are Chinese, drawn with STSong-Light.
    expect(pdf.text).toContain('恶意程序事件 Malicious program');
    for (const id of [ids.a, ids.b, ids.c]) {
      const inc = await h.store.incidents.get(id);
      expect(pdf.text).toContain(`${id}  ${inc?.title}`);
    }
    expect(pdf.text).not.toContain(ids.late);
    expect(pdf.text).toContain('Approvers: key:rs1 (bob) approved ssh-bruteforce/block_ip');
    expect(pdf.text).toContain('Audit-log extract');
    expect(pdf.text).toMatch(/incident\.transition/);
    expect(pdf.text).toContain(`page ${pdf.pages.length} of ${pdf.pages.length}`);
    // Bars are vector rectangles in the summary page's content.
    expect(signed.bytes.toString('latin1')).toContain('/BaseFont /STSong-Light /Encoding /UniGB-UCS2-H');
  });
});

describe('report signatures', () => {
  it('verifies with the embedded certificate and the instance CA, and fails after one changed byte', async () => {
    const signed = await service().generate({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z', format: 'pdf', generatedBy: 'test' });
    const ca = instanceCa(h.dataDir);
    const ok = verifyReportSignature(signed.bytes, signed.signature, ca);
    expect(ok).toMatchObject({ valid: true, digestMatches: true, signatureMatches: true, chain: 'trusted' });
    // Signing time is the generation time (UTCTime: whole seconds).
    expect(Math.abs(Date.parse(ok.signingTime as string) - Date.parse(signed.report.generatedAt))).toBeLessThan(1000);
    expect(ok.signer).toContain('Vigil report signing');
    const tampered = Buffer.from(signed.bytes);
    tampered[Math.floor(tampered.length / 2)] ^= 0x01;
    const bad = verifyReportSignature(tampered, signed.signature, ca);
    expect(bad.valid).toBe(false);
    expect(bad.digestMatches).toBe(false);
    expect(bad.problems[0]).toMatch(/was changed/);
  });

  it('vigil report writes <out> and <out>.p7s; vigil report verify exits 0, then 1 after tampering', async () => {
    const out = join(h.dataDir, 'march.pdf');
    const gen = io(h.dataDir);
    expect(await main(['report', '--from', '2026-03-02', '--to', '2026-03-03', '--format', 'pdf', '--out', 'march.pdf'], gen)).toBe(0);
    expect(gen.out()).toContain('3 incidents');
    const ok = io(h.dataDir);
    expect(await main(['report', 'verify', out], ok)).toBe(0);
    expect(ok.out()).toMatch(/^VALID/);
    expect(ok.out()).toMatch(/signer: +CN=Vigil report signing/);
    expect(ok.out()).toMatch(/signing time: +\d{4}-\d{2}-\d{2}T/);
    expect(ok.out()).toMatch(/chain: +trusted/);
    // openssl agrees: the signature is standard CMS and chains to the instance CA.
    const openssl = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${out}.p7s`, '-content', out, '-CAfile', join(h.dataDir, 'tls', 'ca.pem'), '-out', '/dev/null']);
    expect(openssl.stderr.toString()).toContain('Verification successful');
    expect(openssl.status).toBe(0);

    const bytes = readFileSync(out);
    bytes[100] ^= 0x20;
    writeFileSync(out, bytes);
    const bad = io(h.dataDir);
    expect(await main(['report', 'verify', out, `${out}.p7s`], bad)).toBe(1);
    expect(bad.err()).toMatch(/^INVALID/);
    expect(bad.err()).toMatch(/was changed/);
    const openssl2 = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', `${out}.p7s`, '-content', out, '-CAfile', join(h.dataDir, 'tls', 'ca.pem'), '-out', '/dev/null']);
    expect(openssl2.status).not.toBe(0);
  });

  it('vigil report takes the format from the file name, and refuses missing or bad options with exit 2', async () => {
    const cli = io(h.dataDir);
    expect(await main(['report', '--from', '2026-03-02T00:00:00Z', '--to', '2026-03-03T00:00:00Z', '--out', 'march.json'], cli)).toBe(0);
    const json = JSON.parse(readFileSync(join(h.dataDir, 'march.json'), 'utf8')) as IncidentReport;
    expect(json.incidents).toHaveLength(3);
    expect(json.generatedBy).toMatch(/^cli/);
    expect(await main(['report', 'verify', join(h.dataDir, 'march.json')], io(h.dataDir))).toBe(0);
    const missing = io(h.dataDir);
    expect(await main(['report', '--from', '2026-03-02', '--out', 'x.pdf'], missing)).toBe(2);
    expect(missing.err()).toContain('missing: --to');
    const format = io(h.dataDir);
    expect(await main(['report', '--from', '2026-03-02', '--to', '2026-03-03', '--format', 'docx', '--out', 'x.docx'], format)).toBe(2);
    expect(format.err()).toContain('--format must be one of pdf, csv, json');
    const nosig = io(h.dataDir);
    expect(await main(['report', 'verify', join(h.dataDir, 'nothing.pdf')], nosig)).toBe(1);
    expect(nosig.err()).toContain('no such file');
  });

  it('a report signed under another CA does not chain to this instance', async () => {
    const other = harness();
    try {
      const signed = await new ReportService({ store: other.store, dataDir: other.dataDir }).generate({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z', format: 'json', generatedBy: 'x' });
      const file = join(h.dataDir, 'other.json');
      writeSignedReport(signed, file);
      const r = verifyReportSignature(readFileSync(file), readFileSync(`${file}.p7s`), instanceCa(h.dataDir));
      expect(r).toMatchObject({ valid: false, digestMatches: true, signatureMatches: true, chain: 'untrusted' });
      const cli = io(h.dataDir);
      expect(await main(['report', 'verify', file], cli)).toBe(1);
      expect(cli.err()).toContain('not issued by the instance CA');
    } finally {
      await other.close();
    }
  });

  it('verifies a detached signature made by openssl with the same key (interoperable CMS)', () => {
    const tls = join(h.dataDir, 'tls');
    const file = join(h.dataDir, 'openssl-signed.csv');
    writeFileSync(file, 'id,title\r\nabc,SSH brute force\r\n');
    ensureSigningKey(h.dataDir);
    execFileSync('openssl', ['cms', '-sign', '-binary', '-md', 'sha256', '-in', file, '-signer', join(tls, 'report-signing.pem'), '-inkey', join(tls, 'report-signing-key.pem'), '-outform', 'DER', '-out', `${file}.p7s`]);
    const r = verifyReportSignature(readFileSync(file), readFileSync(`${file}.p7s`), instanceCa(h.dataDir));
    expect(r).toMatchObject({ valid: true, chain: 'trusted', digestMatches: true, signatureMatches: true });
    expect(verifyReportSignature(Buffer.from('id,title\r\nabd,SSH brute force\r\n'), readFileSync(`${file}.p7s`)).valid).toBe(false);
  });

  it('reuses the signing certificate issued by the instance CA', () => {
    const first = ensureSigningKey(h.dataDir);
    const again = ensureSigningKey(h.dataDir);
    expect(again.created).toBe(false);
    expect(again.cert.serialNumber).toBe(first.cert.serialNumber);
    expect(execFileSync('openssl', ['verify', '-CAfile', join(h.dataDir, 'tls', 'ca.pem'), join(h.dataDir, 'tls', 'report-signing.pem')]).toString()).toContain('OK');
  });
});

/** RFC 4180 reader for the test (quoted cells with "" escapes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}
