// Reads one Windows event in any of the shapes it travels in — Winlogbeat/Elastic Agent (`winlog.*`),
// Winlogbeat 6 (`event_data`, `log_name`), evtx_dump JSON (`Event.System`/`Event.EventData`), NXLog's
// flat JSON (`Channel`, `EventID`, data at top level) and the raw XML — into one neutral record.
import { type EcsEvent, getPath, getPath2, isPlainObject } from '../../../core/ecs.ts';
import { parseFailure } from '../event-build.ts';
import type { ParseResult, RawRecord } from '../types.ts';

export type WindowsShape = 'winlogbeat' | 'winlogbeat6' | 'evtx_dump' | 'nxlog' | 'xml';

export interface WindowsEvent {
  shape: WindowsShape;
  channel?: string;
  eventId?: string;
  provider?: string;
  providerGuid?: string;
  computer?: string;
  recordId?: string;
  /** ISO 8601 instant when the event was written, if known. */
  timeCreated?: string;
  level?: string;
  opcode?: string;
  task?: string;
  keywords?: string;
  version?: number;
  processId?: number;
  threadId?: number;
  userSid?: string;
  userName?: string;
  userDomain?: string;
  activityId?: string;
  /** EventData (or UserData) name → value, as text. */
  data: Record<string, string>;
  message?: string;
  /** Shipper's own @timestamp, when the shape carries one. */
  shipperTimestamp?: string;
  /** Wall-clock time without zone (NXLog's EventTime), read in the source's configured zone. */
  localTime?: string;
}

const LEVELS: Record<string, string> = {
  '0': 'information', '1': 'critical', '2': 'error', '3': 'warning', '4': 'information', '5': 'verbose',
};

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isPlainObject(v) && '#text' in v) return text(v['#text']);
  return undefined;
}

function num(v: unknown): number | undefined {
  const t = text(v);
  if (t === undefined || t.trim() === '') return undefined;
  // Number() reads `0x…` too, with the value parseInt(…, 16) gives.
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A new map of event data. A dictionary without prototype rather than a plain object: events carry
 * different sets of fields, and a plain object gets a new hidden class for each new set, which costs
 * more (on every first sighting) than the dictionary's lookups.
 */
export function newDataMap(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/** Adds the EventData/UserData names and values of `v` to `out`. */
function dataMap(v: unknown, out: Record<string, string>): Record<string, string> {
  if (!isPlainObject(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    // '__proto__' never reached a plain object's keys (assigning a text to it does nothing).
    if (k === '#attributes' || k === '__proto__') continue;
    // evtx_dump writes unnamed <Data> elements as {"Data": [..]} or {"Data": {"#text": [..]}}.
    if (k === 'Data') {
      const inner = isPlainObject(x) && '#text' in x ? x['#text'] : x;
      const list = Array.isArray(inner) ? inner : [inner];
      list.forEach((item, i) => {
        const t = text(item);
        if (t !== undefined) out[`param${i + 1}`] = t;
      });
      continue;
    }
    if (isPlainObject(x) && !('#text' in x)) {
      // UserData: one wrapper element holding the fields.
      dataMap(x, out);
      continue;
    }
    const t = Array.isArray(x) ? x.map((i) => text(i) ?? '').join('\n') : text(x);
    if (t !== undefined) out[k] = t;
  }
  return out;
}

function fromWinlog(doc: EcsEvent): WindowsEvent {
  const w = (doc.winlog ?? {}) as Record<string, unknown>;
  const ev: WindowsEvent = {
    shape: 'winlogbeat',
    channel: text(w.channel),
    eventId: text(w.event_id),
    provider: text(w.provider_name),
    providerGuid: text(w.provider_guid),
    computer: text(w.computer_name),
    recordId: text(w.record_id),
    timeCreated: text(w.time_created),
    level: text(w.level) ?? text(getPath2(doc, 'log', 'level', 'log.level')),
    opcode: text(w.opcode),
    task: text(w.task),
    keywords: Array.isArray(w.keywords) ? w.keywords.join(',') : text(w.keywords),
    version: num(w.version),
    processId: num(getPath2(w, 'process', 'pid', 'process.pid')),
    threadId: num(getPath(w, 'process.thread.id')),
    userSid: text(getPath2(w, 'user', 'identifier', 'user.identifier')),
    userName: text(getPath2(w, 'user', 'name', 'user.name')),
    userDomain: text(getPath2(w, 'user', 'domain', 'user.domain')),
    activityId: text(w.activity_id),
    data: dataMap(w.event_data, dataMap(w.user_data, newDataMap())),
    message: text(doc.message),
    shipperTimestamp: text(doc['@timestamp']),
  };
  return ev;
}

function fromWinlogbeat6(doc: EcsEvent): WindowsEvent {
  return {
    shape: 'winlogbeat6',
    channel: text(doc.log_name),
    eventId: text(doc.event_id),
    provider: text(doc.source_name),
    providerGuid: text(doc.provider_guid),
    computer: text(doc.computer_name),
    recordId: text(doc.record_number),
    level: text(doc.level),
    opcode: text(doc.opcode),
    task: text(doc.task),
    keywords: Array.isArray(doc.keywords) ? doc.keywords.join(',') : text(doc.keywords),
    version: num(doc.version),
    processId: num(doc.process_id),
    threadId: num(doc.thread_id),
    userSid: text(getPath2(doc, 'user', 'identifier', 'user.identifier')),
    userName: text(getPath2(doc, 'user', 'name', 'user.name')),
    userDomain: text(getPath2(doc, 'user', 'domain', 'user.domain')),
    activityId: text(doc.activity_id),
    data: dataMap(doc.event_data, dataMap(doc.user_data, newDataMap())),
    message: text(doc.message),
    shipperTimestamp: text(doc['@timestamp']),
  };
}

function attr(v: unknown, name: string): unknown {
  return isPlainObject(v) && isPlainObject(v['#attributes']) ? v['#attributes'][name] : undefined;
}

function fromEvtxDump(doc: EcsEvent): WindowsEvent {
  const event = doc.Event as Record<string, unknown>;
  const s = (isPlainObject(event.System) ? event.System : {}) as Record<string, unknown>;
  const level = text(s.Level);
  return {
    shape: 'evtx_dump',
    channel: text(s.Channel),
    eventId: text(s.EventID),
    provider: text(attr(s.Provider, 'Name')),
    providerGuid: text(attr(s.Provider, 'Guid')),
    computer: text(s.Computer),
    recordId: text(s.EventRecordID),
    timeCreated: text(attr(s.TimeCreated, 'SystemTime')),
    level: level !== undefined ? (LEVELS[level] ?? level) : undefined,
    opcode: text(s.Opcode),
    task: text(s.Task),
    keywords: text(s.Keywords),
    version: num(s.Version),
    processId: num(attr(s.Execution, 'ProcessID')),
    threadId: num(attr(s.Execution, 'ThreadID')),
    userSid: text(attr(s.Security, 'UserID')),
    activityId: text(attr(s.Correlation, 'ActivityID')),
    data: dataMap(event.EventData, dataMap(event.UserData, newDataMap())),
  };
}

/** NXLog im_msvistalog metadata; every other top-level key is event data. */
const NXLOG_META = new Set([
  'Keywords', 'SeverityValue', 'EventTypeOrignal', 'EventTypeOriginal', 'EventType', 'EventID', 'ProviderGuid',
  'ExecutionProcessID', 'host', 'Channel', 'UserID', 'AccountType', 'ThreadID', 'EventReceivedTime', 'Opcode',
  'EventTime', '@timestamp', 'SourceModuleType', 'port', 'AccountName', 'RecordNumber', 'Task', 'Domain', '@version',
  'OpcodeValue', 'SourceModuleName', 'Severity', 'SourceName', 'Version', 'Category', 'Hostname', 'tags', 'Message',
  'ActivityID', 'RelatedActivityID', 'ERROR_EVT_UNRESOLVED', 'type', '@metadata',
]);

const NXLOG_LEVELS: Record<string, string> = {
  INFO: 'information', WARNING: 'warning', ERROR: 'error', CRITICAL: 'critical', VERBOSE: 'verbose', DEBUG: 'verbose',
};

function fromNxlog(doc: EcsEvent): WindowsEvent {
  const data = newDataMap();
  for (const k in doc) {
    if (NXLOG_META.has(k) || k === '__proto__') continue;
    const t = text(doc[k]);
    if (t !== undefined) data[k] = t;
  }
  const severity = text(doc.Severity);
  return {
    shape: 'nxlog',
    channel: text(doc.Channel),
    eventId: text(doc.EventID),
    provider: text(doc.SourceName),
    providerGuid: text(doc.ProviderGuid),
    computer: text(doc.Hostname),
    recordId: text(doc.RecordNumber),
    level: severity ? (NXLOG_LEVELS[severity.toUpperCase()] ?? severity.toLowerCase()) : undefined,
    opcode: text(doc.Opcode),
    task: text(doc.Category),
    keywords: text(doc.Keywords),
    version: num(doc.Version),
    processId: num(doc.ExecutionProcessID),
    threadId: num(doc.ThreadID),
    userSid: text(doc.UserID),
    userName: text(doc.AccountName),
    userDomain: text(doc.Domain),
    activityId: text(doc.ActivityID),
    data,
    message: text(doc.Message),
    shipperTimestamp: text(doc['@timestamp']),
    localTime: text(doc.EventTime),
  };
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

function xmlAttr(xml: string, element: string, name: string): string | undefined {
  const m = new RegExp(`<${element}\\b[^>]*\\b${name}=(['"])(.*?)\\1`, 's').exec(xml);
  return m ? unescapeXml(m[2]) : undefined;
}

function xmlText(xml: string, element: string): string | undefined {
  const m = new RegExp(`<${element}\\b[^>]*>([^<]*)</${element}>`, 's').exec(xml);
  return m ? unescapeXml(m[1]) : undefined;
}

/** The rendered Windows event XML (`<Event xmlns=…><System>…</System><EventData>…`). */
export function fromXml(xml: string): WindowsEvent | undefined {
  if (!/<Event[\s>]/.test(xml) || !/<System>/.test(xml)) return undefined;
  const data = newDataMap();
  const dataRe = /<Data(?:\s+Name=(['"])(.*?)\1)?\s*(?:\/>|>([\s\S]*?)<\/Data>)/g;
  let i = 0;
  for (const m of xml.matchAll(dataRe)) {
    i++;
    const name = m[2] ?? `param${i}`;
    if (name !== '__proto__') data[name] = unescapeXml(m[3] ?? '');
  }
  const level = xmlText(xml, 'Level');
  return {
    shape: 'xml',
    channel: xmlText(xml, 'Channel'),
    eventId: xmlText(xml, 'EventID'),
    provider: xmlAttr(xml, 'Provider', 'Name'),
    providerGuid: xmlAttr(xml, 'Provider', 'Guid'),
    computer: xmlText(xml, 'Computer'),
    recordId: xmlText(xml, 'EventRecordID'),
    timeCreated: xmlAttr(xml, 'TimeCreated', 'SystemTime'),
    level: level !== undefined ? (LEVELS[level] ?? level) : undefined,
    opcode: xmlText(xml, 'Opcode'),
    task: xmlText(xml, 'Task'),
    keywords: xmlText(xml, 'Keywords'),
    version: num(xmlText(xml, 'Version')),
    processId: num(xmlAttr(xml, 'Execution', 'ProcessID')),
    threadId: num(xmlAttr(xml, 'Execution', 'ThreadID')),
    userSid: xmlAttr(xml, 'Security', 'UserID'),
    activityId: xmlAttr(xml, 'Correlation', 'ActivityID'),
    data,
  };
}

export function shapeOf(doc: EcsEvent): WindowsShape | undefined {
  if (isPlainObject(doc.winlog)) return 'winlogbeat';
  if (isPlainObject(doc.Event) && isPlainObject((doc.Event as EcsEvent).System)) return 'evtx_dump';
  if ('Channel' in doc && 'EventID' in doc) return 'nxlog';
  if (('event_data' in doc || 'log_name' in doc) && 'event_id' in doc) return 'winlogbeat6';
  return undefined;
}

/** The JSON document to read: an agent-shipped document, or the raw line parsed as JSON. */
function documentOf(raw: RawRecord): EcsEvent | undefined {
  if (raw.document && shapeOf(raw.document)) return raw.document;
  if (isPlainObject(raw.parsedMessage)) return raw.parsedMessage;
  const line = raw.message.trim();
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Reads any supported shape; undefined when the input is none of them. */
export function readWindowsEvent(raw: RawRecord): WindowsEvent | undefined {
  const doc = documentOf(raw);
  if (doc) {
    switch (shapeOf(doc)) {
      case 'winlogbeat':
        return fromWinlog(doc);
      case 'winlogbeat6':
        return fromWinlogbeat6(doc);
      case 'evtx_dump':
        return fromEvtxDump(doc);
      case 'nxlog':
        return fromNxlog(doc);
      default:
        return undefined;
    }
  }
  return fromXml(raw.message);
}

/** Which Vigil dataset a Windows channel's events belong to (channel names are case-insensitive). */
export function datasetForChannel(channel: string | undefined): string | undefined {
  switch (channel?.toLowerCase()) {
    case 'microsoft-windows-sysmon/operational':
      return 'windows.sysmon_operational';
    case 'security':
      return 'system.security';
    case 'windows powershell':
      return 'windows.powershell';
    case 'microsoft-windows-powershell/operational':
      return 'windows.powershell_operational';
    default:
      return undefined;
  }
}

/** Reads any Windows shape and maps it, or says why the input is not a Windows event. */
export function parseWindowsEvent(raw: RawRecord, dataset: string, map: (raw: RawRecord, ev: WindowsEvent) => EcsEvent): ParseResult {
  const ev = readWindowsEvent(raw);
  if (!ev) return parseFailure(raw, dataset, 'not a Windows event (no winlog, Event.System, Channel/EventID or XML)');
  if (ev.eventId === undefined) return parseFailure(raw, dataset, 'Windows event without an event id');
  return { ok: true, events: [map(raw, ev)] };
}
