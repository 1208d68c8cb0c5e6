// Messages that cross stages through the queue backend (never by importing each other):
// ingest → detection (stored events), detection → response (alerts), response → playbooks and
// webhooks (notices). Queue names are part of the contract.
import type { EcsEvent } from './ecs.ts';

export const QueueName = {
  /** Stored events for streaming detection: EventMessage. */
  events: 'events',
  /** Alerts from detection (stream, scheduled, correlation) or inbound webhooks: Alert. */
  alerts: 'alerts',
  /** What happened to alerts and incidents: Notice. Each consumer uses its own group. */
  notices: 'notices',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export interface EventMessage {
  /** The id the event store gave the event. */
  id: string;
  doc: EcsEvent;
}

export const NoticeType = {
  alertCreated: 'alert.created',
  incidentCreated: 'incident.created',
  incidentUpdated: 'incident.updated',
  incidentStateChanged: 'incident.state_changed',
  slaBreached: 'sla.breached',
  reportingDue: 'reporting.due',
  reportingMissed: 'reporting.missed',
  playbookStep: 'playbook.step',
} as const;
export type NoticeType = (typeof NoticeType)[keyof typeof NoticeType];

export interface Notice {
  /** Unique per notice; consumers deduplicate on it. */
  id: string;
  type: NoticeType;
  at: string;
  incidentId?: string;
  alertId?: string;
  /** Type-specific: { from, to } for state changes, { clock, deadline } for SLA … */
  data: Record<string, unknown>;
}
