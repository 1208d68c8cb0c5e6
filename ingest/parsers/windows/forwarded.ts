// Windows events from channels without a dedicated mapping (System, WMI-Activity, Defender, …) →
// ECS: the common winlog.* skeleton, the event data, and the few events a SOC always wants named.
import { type EcsEvent, setPath } from '../../../core/ecs.ts';
import { put } from '../event-build.ts';
import type { Parser, ParseResult, RawRecord } from '../types.ts';
import { fillWindowsRelated, isEmptyValue, putDomainUser, putEventData, putExecutable, startWindowsEvent } from './build.ts';
import { parseWindowsEvent, type WindowsEvent } from './shapes.ts';

const DATASET = 'windows.forwarded';

interface Known {
  category: string[];
  type: string[];
  action: string;
}

/** Channel (lower-case) + event id → categorisation. */
const KNOWN: Record<string, Known> = {
  'system:7045': { category: ['configuration'], type: ['creation'], action: 'service-installed' },
  'system:7036': { category: ['process'], type: ['change'], action: 'service-state-changed' },
  'system:7040': { category: ['configuration'], type: ['change'], action: 'service-start-type-changed' },
  'system:104': { category: ['iam'], type: ['admin', 'change'], action: 'audit-log-cleared' },
  'system:6005': { category: ['host'], type: ['start'], action: 'event-log-started' },
  'system:6006': { category: ['host'], type: ['end'], action: 'event-log-stopped' },
  'microsoft-windows-wmi-activity/operational:5857': { category: ['process'], type: ['info'], action: 'wmi-provider-loaded' },
  'microsoft-windows-wmi-activity/operational:5860': { category: ['process'], type: ['creation'], action: 'wmi-temporary-subscription' },
  'microsoft-windows-wmi-activity/operational:5861': { category: ['process'], type: ['creation'], action: 'wmi-permanent-subscription' },
  'microsoft-windows-windows defender/operational:1116': { category: ['malware'], type: ['info'], action: 'malware-detected' },
  'microsoft-windows-windows defender/operational:1117': { category: ['malware'], type: ['deletion'], action: 'malware-action-taken' },
};

export function mapForwarded(raw: RawRecord, ev: WindowsEvent): EcsEvent {
  const doc = startWindowsEvent(raw, ev, 'windows', DATASET);
  const d = ev.data;
  const used = new Set<string>();
  const known = KNOWN[`${(ev.channel ?? '').toLowerCase()}:${ev.eventId ?? ''}`];
  if (known) {
    setPath(doc, 'event.category', [...known.category]);
    setPath(doc, 'event.type', [...known.type]);
    setPath(doc, 'event.action', known.action);
  }
  if (ev.eventId === '7045' && !isEmptyValue(d.ServiceName)) {
    setPath(doc, 'service.name', d.ServiceName);
    put(doc, 'file.path', isEmptyValue(d.ImagePath) ? undefined : d.ImagePath);
    used.add('ServiceName');
  }
  if (!isEmptyValue(d.ProcessId) && /^\d+$/.test(d.ProcessId)) setPath(doc, 'process.pid', Number(d.ProcessId));
  if (!isEmptyValue(d['Process Name'])) putExecutable(doc, ['process'], d['Process Name']);
  if (!isEmptyValue(d.User)) putDomainUser(doc, ['user'], d.User);
  else if (ev.userName) {
    setPath(doc, 'user.name', ev.userName);
    put(doc, 'user.domain', ev.userDomain);
  }
  put(doc, 'message', ev.message);
  putEventData(doc, d, used);
  fillWindowsRelated(doc);
  return doc;
}

export function parseForwarded(raw: RawRecord): ParseResult {
  return parseWindowsEvent(raw, DATASET, mapForwarded);
}

export const forwardedParser: Parser = { dataset: DATASET, parse: parseForwarded };
