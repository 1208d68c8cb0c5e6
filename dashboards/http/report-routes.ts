// Compliance reports (compliance, analyst): GET /reports/incidents returns the signed report for
// a period as PDF, CSV or JSON. The signature travels separately so the report bytes stay exactly
// what was signed: the reply names it in `Link: <…/reports/signatures/{id}>; rel="signature"` and
// `Vigil-Report-Id`, and GET /reports/signatures/{id} returns the detached CMS (.p7s, DER).
import type { FastifyPluginAsync } from 'fastify';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { ErrorReply } from '../../core/http/types.ts';
import type { StorageEngine } from '../../core/storage/types.ts';
import { parseRange } from '../metrics/period.ts';
import type { CategoryLabels } from '../reports/category-labels.ts';
import { type ReportFormat, ReportService, reportFormats, type SignatureRecord, signatureCollection, signatureRecord } from '../reports/report-service.ts';

export interface ReportRoutesOptions {
  store: Pick<StorageEngine, 'incidents' | 'runs' | 'audit' | 'docs'>;
  /** Holds `tls/ca.pem` and the report-signing key (created on first use). */
  dataDir: string;
  labels?: CategoryLabels;
  now?: () => Date;
}

const roles = ['compliance', 'analyst'] as const;

const ReportQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to'],
  properties: {
    from: { type: 'string', maxLength: 40, description: 'Inclusive start: ISO time or YYYY-MM-DD' },
    to: { type: 'string', maxLength: 40, description: 'Exclusive end: ISO time or YYYY-MM-DD' },
    format: { type: 'string', enum: [...reportFormats], default: 'pdf' },
  },
} as const;

export const reportRoutes: FastifyPluginAsync<ReportRoutesOptions> = async (app, opts) => {
  const service = new ReportService({ store: opts.store, dataDir: opts.dataDir, labels: opts.labels, now: opts.now });

  app.get<{ Querystring: { from: string; to: string; format: ReportFormat } }>(
    '/reports/incidents',
    {
      config: { roles },
      schema: {
        summary: 'Signed incident report for a period: register, summary (charts in PDF), audit extract',
        description: 'The body is the report (application/pdf, text/csv or application/json). Its detached CMS signature: the Link header (rel="signature").',
        querystring: ReportQuery,
        response: { 200: { description: 'The report file', type: 'string', format: 'binary' }, 400: ErrorReply },
      },
    },
    async (req, reply) => {
      const range = parseRange(req.query.from, req.query.to);
      if (!range.from || !range.to) throw new VigilError(ErrorCode.REQUEST_INVALID, 'from and to are required', { source: 'querystring', path: 'from' });
      const actor = req.actor.id === req.actor.name ? req.actor.id : `${req.actor.id} (${req.actor.name})`;
      const signed = await service.generate({ from: range.from, to: range.to, format: req.query.format, generatedBy: actor });
      await opts.store.docs.put(signatureCollection, signed.id, signatureRecord(signed));
      await req.audit({
        action: 'report.generate',
        target: `report:${signed.id}`,
        after: { from: range.from, to: range.to, format: signed.format, sha256: signed.sha256, incidents: signed.report.incidents.length },
      });
      const base = req.url.split('?')[0].replace(/\/reports\/incidents\/?$/, '');
      return reply
        .header('content-type', signed.contentType)
        .header('content-disposition', `attachment; filename="${signed.fileName}"`)
        .header('vigil-report-id', signed.id)
        .header('vigil-report-sha256', signed.sha256)
        .header('link', `<${base}/reports/signatures/${signed.id}>; rel="signature"; type="application/pkcs7-signature"`)
        .send(signed.bytes);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { format?: 'der' | 'json' } }>(
    '/reports/signatures/:id',
    {
      config: { roles },
      schema: {
        summary: "A report's detached CMS signature (DER, save as <report>.p7s), or its record as JSON with ?format=json",
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 64, pattern: '^[0-9a-z]+$' } } },
        querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['der', 'json'], default: 'der' } } },
        response: {
          200: {
            description: 'application/pkcs7-signature (DER), or the signature record',
            anyOf: [
              { type: 'string', format: 'binary' },
              {
                type: 'object',
                required: ['reportId', 'format', 'from', 'to', 'sha256', 'signature', 'generatedAt', 'generatedBy'],
                properties: {
                  reportId: { type: 'string' },
                  format: { type: 'string' },
                  from: { type: 'string' },
                  to: { type: 'string' },
                  sha256: { type: 'string' },
                  signature: { type: 'string', description: 'Base64 DER' },
                  generatedAt: { type: 'string' },
                  generatedBy: { type: 'string' },
                },
              },
            ],
          },
          404: ErrorReply,
        },
      },
    },
    async (req, reply) => {
      const doc = await opts.store.docs.get<SignatureRecord>(signatureCollection, req.params.id);
      if (!doc) throw new VigilError(ErrorCode.NOT_FOUND, `report ${req.params.id}: no signature recorded`, { source: 'params', path: '/id' });
      if (req.query.format === 'json') return doc.body;
      const ext = doc.body.format;
      return reply
        .header('content-type', 'application/pkcs7-signature')
        .header('content-disposition', `attachment; filename="vigil-incidents-${doc.body.from.slice(0, 10)}_${doc.body.to.slice(0, 10)}.${ext}.p7s"`)
        .send(Buffer.from(doc.body.signature, 'base64'));
    },
  );
};
