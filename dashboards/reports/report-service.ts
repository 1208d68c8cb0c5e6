// Producing a signed report: build the content, render the format, sign the bytes with the
// instance's report-signing key. The API keeps each signature (not the report) in the document
// collection 'report-signatures' so it can be fetched after the report was downloaded.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { newId } from '../../core/ids.ts';
import type { StorageEngine } from '../../core/storage/types.ts';
import type { CategoryLabels } from './category-labels.ts';
import { renderCsv } from './csv.ts';
import { buildIncidentReport, type IncidentReport } from './incident-report.ts';
import { renderPdf } from './pdf-report.ts';
import { signDetached } from './signature.ts';
import { ensureSigningKey } from './signing-key.ts';

export const reportFormats = ['pdf', 'csv', 'json'] as const;
export type ReportFormat = (typeof reportFormats)[number];

export const contentTypes: Record<ReportFormat, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export const signatureCollection = 'report-signatures';

export interface SignatureRecord {
  reportId: string;
  format: ReportFormat;
  from: string;
  to: string;
  sha256: string;
  /** Base64 DER of the detached CMS SignedData. */
  signature: string;
  generatedAt: string;
  generatedBy: string;
}

export interface SignedReport {
  id: string;
  format: ReportFormat;
  bytes: Buffer;
  signature: Buffer;
  sha256: string;
  contentType: string;
  fileName: string;
  report: IncidentReport;
}

export interface ReportServiceOptions {
  store: Pick<StorageEngine, 'incidents' | 'runs' | 'audit'>;
  dataDir: string;
  labels?: CategoryLabels;
  /** @default () => new Date() */
  now?: () => Date;
}

export function renderReport(report: IncidentReport, format: ReportFormat): Buffer {
  switch (format) {
    case 'pdf':
      return renderPdf(report);
    case 'csv':
      return renderCsv(report);
    case 'json':
      return Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8');
  }
}

export class ReportService {
  constructor(private readonly opts: ReportServiceOptions) {}

  async generate(input: { from: string; to: string; format: ReportFormat; generatedBy: string }): Promise<SignedReport> {
    const now = (this.opts.now ?? (() => new Date()))();
    const report = await buildIncidentReport(this.opts.store, { from: input.from, to: input.to, generatedBy: input.generatedBy, now }, this.opts.labels);
    const bytes = renderReport(report, input.format);
    const signature = signDetached(bytes, ensureSigningKey(this.opts.dataDir), now);
    const day = (iso: string) => iso.slice(0, 10);
    return {
      id: newId(now.getTime()),
      format: input.format,
      bytes,
      signature,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      contentType: contentTypes[input.format],
      fileName: `vigil-incidents-${day(input.from)}_${day(input.to)}.${input.format}`,
      report,
    };
  }
}

/** Writes the report and `<file>.p7s` beside it. */
export function writeSignedReport(report: SignedReport, file: string): { report: string; signature: string } {
  writeFileSync(file, report.bytes);
  writeFileSync(`${file}.p7s`, report.signature);
  return { report: file, signature: `${file}.p7s` };
}

export function signatureRecord(r: SignedReport): SignatureRecord {
  return {
    reportId: r.id,
    format: r.format,
    from: r.report.period.from,
    to: r.report.period.to,
    sha256: r.sha256,
    signature: r.signature.toString('base64'),
    generatedAt: r.report.generatedAt,
    generatedBy: r.report.generatedBy,
  };
}
