// The register as CSV (RFC 4180: quoted where needed, CRLF line ends), one row per incident, with
// a UTF-8 byte-order mark so spreadsheet programs read the Chinese category names. Text cells
// that a spreadsheet would run as a formula (titles come from hostnames and user names an
// attacker may choose) are prefixed with an apostrophe (OWASP "CSV injection").
import type { IncidentReport, RegisterRow } from './incident-report.ts';

export const csvColumns = [
  'id',
  'title',
  'state',
  'severity',
  'grade',
  'category',
  'category_name',
  'subcategory',
  'new_at',
  'triaged_at',
  'contained_at',
  'eradicated_at',
  'recovered_at',
  'closed_at',
  'resolution',
  'sla',
  'sla_triage',
  'sla_contain',
  'sla_close',
  'actions',
  'approvers',
] as const;

function cell(v: string | undefined): string {
  let s = v ?? '';
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function rowValues(r: RegisterRow): string[] {
  return [
    r.id,
    r.title,
    r.state,
    r.severity,
    r.grade ?? '',
    r.category ?? '',
    r.categoryName ? `${r.categoryName.zh} ${r.categoryName.en}` : '',
    r.subcategory ?? '',
    r.phases.new ?? '',
    r.phases.triaged ?? '',
    r.phases.contained ?? '',
    r.phases.eradicated ?? '',
    r.phases.recovered ?? '',
    r.phases.closed ?? '',
    r.resolution ?? '',
    r.sla.outcome,
    r.sla.clocks.triage ?? '',
    r.sla.clocks.contain ?? '',
    r.sla.clocks.close ?? '',
    r.actions.map((a) => `${a.at} ${a.actor}: ${a.action}`).join('\n'),
    r.approvals.map((a) => `${a.by} ${a.approved ? 'approved' : 'denied'} ${a.step}${a.at ? ` at ${a.at}` : ''}`).join('\n'),
  ];
}

export function renderCsv(report: IncidentReport): Buffer {
  const lines = [csvColumns.join(','), ...report.incidents.map((r) => rowValues(r).map(cell).join(','))];
  return Buffer.from(`\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}
