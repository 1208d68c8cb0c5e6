// Standard exports over HTTP (roles analyst, responder, compliance): an incident as a STIX 2.1
// bundle, and alerts in a time range as OCSF Detection Findings (or ECS alert documents), NDJSON.
import type { FastifyPluginAsync } from 'fastify';
import { type ExportStore, exportAlerts, exportIncidentStix, type Tlp, tlpLevels } from '../exports/index.ts';
import { ErrorReply } from '../incidents/http-schemas.ts';

export interface ExportRoutesOptions {
  store: ExportStore;
  /** TLP marking when the request names none. @default 'amber' */
  defaultTlp?: Tlp;
  vendorName?: string;
  productVersion?: string;
}

const roles = ['analyst', 'responder', 'compliance'] as const;

export const exportRoutes: FastifyPluginAsync<ExportRoutesOptions> = async (app, opts) => {
  app.get<{ Params: { id: string }; Querystring: { format: 'stix'; tlp?: Tlp } }>(
    '/incidents/:id/export',
    {
      config: { roles },
      schema: {
        summary: 'An incident as a STIX 2.1 bundle (Incident Core extension, indicators and sightings, TLP marking)',
        params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: ['stix'], default: 'stix' }, tlp: { type: 'string', enum: tlpLevels } },
        },
        response: {
          200: {
            type: 'object',
            required: ['type', 'id', 'objects'],
            properties: { type: { type: 'string' }, id: { type: 'string' }, objects: { type: 'array', items: { type: 'object', additionalProperties: true } } },
          },
          404: ErrorReply,
        },
      },
    },
    async (req, reply) => {
      const bundle = await exportIncidentStix(opts.store, req.params.id, { tlp: req.query.tlp ?? opts.defaultTlp });
      reply.header('content-disposition', `attachment; filename="incident-${req.params.id}.stix.json"`);
      return bundle;
    },
  );

  app.get<{ Querystring: { format: 'ocsf' | 'ecs'; from?: string; to?: string } }>(
    '/alerts/export',
    {
      config: { roles },
      schema: {
        summary: 'Alerts detected in [from, to) as NDJSON: OCSF Detection Findings (class 2004) or ECS alert documents',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            format: { type: 'string', enum: ['ocsf', 'ecs'], default: 'ocsf' },
            from: { type: 'string', format: 'date-time' },
            to: { type: 'string', format: 'date-time' },
          },
        },
        response: { 200: { type: 'string', description: 'application/x-ndjson, one document per line' }, 400: ErrorReply },
      },
    },
    async (req, reply) => {
      const { format, from, to } = req.query;
      let body = '';
      for await (const line of exportAlerts(opts.store, { from, to }, format, { vendorName: opts.vendorName, productVersion: opts.productVersion })) body += line;
      return reply.type('application/x-ndjson').send(body);
    },
  );
};
