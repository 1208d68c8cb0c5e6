// JSON schemas shared by the incident and alert routes: the public views of incidents, alerts,
// timeline entries and events, and the request pieces both route files use.
import { ErrorReply } from '../../core/http/types.ts';

export { ErrorReply };

export const SeverityEnum = ['informational', 'low', 'medium', 'high', 'critical'] as const;

export const IdParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

const looseObject = { type: 'object', additionalProperties: true } as const;
const stringList = { type: 'array', items: { type: 'string' } } as const;

export const IncidentView = {
  type: 'object',
  required: ['id', 'version', 'title', 'state', 'severity', 'tags', 'ruleIds', 'hosts', 'users', 'createdAt', 'updatedAt', 'fields'],
  properties: {
    id: { type: 'string' },
    version: { type: 'integer' },
    title: { type: 'string' },
    state: { type: 'string' },
    severity: { type: 'string' },
    grade: { type: 'string', description: 'GB/T 20986-2023 grade: I 特别重大, II 重大, III 较大, IV 一般' },
    category: { type: 'string' },
    subcategory: { type: 'string' },
    assignee: { type: 'string' },
    tags: stringList,
    ruleIds: stringList,
    hosts: stringList,
    users: stringList,
    groupKey: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    fields: { ...looseObject, description: 'observables, alertCount, stateEnteredAt, sla, reporting, resolution, summary, playbook fields …' },
  },
} as const;

export const AlertView = {
  type: 'object',
  required: ['id', 'ruleId', 'ruleTitle', 'severity', 'status', 'eventIds', 'entities', 'eventTime', 'detectedAt', 'groupKey'],
  properties: {
    id: { type: 'string' },
    ruleId: { type: 'string' },
    ruleTitle: { type: 'string' },
    ruleLevel: { type: 'string' },
    ruleAuthor: { type: 'string' },
    ruleTags: stringList,
    tactics: stringList,
    techniques: stringList,
    severity: { type: 'string' },
    riskScore: { type: 'number' },
    eventIds: stringList,
    events: { type: 'array', items: looseObject },
    entities: {
      type: 'object',
      properties: {
        hosts: stringList,
        users: stringList,
        sourceIps: stringList,
        destinationIps: stringList,
        processes: stringList,
        hashes: stringList,
      },
    },
    eventTime: { type: 'string' },
    detectedAt: { type: 'string' },
    origin: { type: 'string' },
    groupKey: { type: 'string' },
    incidentId: { type: 'string' },
    status: { type: 'string' },
    data: looseObject,
  },
} as const;

export const TimelineView = {
  type: 'object',
  required: ['id', 'at', 'actor', 'kind', 'data'],
  properties: {
    id: { type: 'string' },
    incidentId: { type: 'string' },
    at: { type: 'string' },
    actor: { type: 'string' },
    kind: { type: 'string' },
    data: looseObject,
  },
} as const;

export const EventView = {
  type: 'object',
  required: ['id', 'timestamp', 'doc'],
  properties: { id: { type: 'string' }, timestamp: { type: 'string' }, dataset: { type: 'string' }, doc: looseObject },
} as const;

export const ExceptionView = {
  type: 'object',
  required: ['id', 'ruleId', 'conditions', 'reason', 'createdBy', 'createdAt'],
  properties: {
    id: { type: 'string' },
    ruleId: { type: 'string' },
    conditions: {
      type: 'array',
      items: { type: 'object', required: ['field', 'value'], properties: { field: { type: 'string' }, value: { type: 'string' } } },
    },
    reason: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
    sourceAlertId: { type: 'string' },
  },
} as const;

export const pageOf = <T extends object>(items: T) =>
  ({
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items }, nextCursor: { type: 'string' } },
  }) as const;

export const PageParams = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
  cursor: { type: 'string', maxLength: 500, description: 'nextCursor of the previous page' },
  from: { type: 'string', format: 'date-time', description: 'Inclusive start (ISO 8601)' },
  to: { type: 'string', format: 'date-time', description: 'Exclusive end (ISO 8601)' },
} as const;
