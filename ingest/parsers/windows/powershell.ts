// PowerShell event logs → ECS: the classic "Windows PowerShell" channel (400/403/600/800, context as
// `Key=Value` lines) and Microsoft-Windows-PowerShell/Operational (4103 module logging, 4104 script
// blocks, 4105/4106 command start/stop), with powershell.* as Elastic's windows pipelines name them.
import { type EcsEvent, setPath } from '../../../core/ecs.ts';
import { put, toInt } from '../event-build.ts';
import type { Parser, ParseResult, RawRecord } from '../types.ts';
import {
  type FieldPrefix,
  fillWindowsRelated,
  isEmptyValue,
  putCommandLine,
  putDomainUser,
  putEventData,
  putPath,
  startWindowsEvent,
} from './build.ts';
import { newDataMap, parseWindowsEvent, type WindowsEvent } from './shapes.ts';

export const POWERSHELL_CHANNEL = 'Windows PowerShell';
export const POWERSHELL_OPERATIONAL_CHANNEL = 'Microsoft-Windows-PowerShell/Operational';

/** Calls `fn` with each line of `text` as split(/\r?\n/) cuts them, without the regex or the array. */
function forEachLine(text: string, fn: (line: string) => void): void {
  let start = 0;
  const n = text.length;
  while (start <= n) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = n;
    const end = nl > start && nl < n && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
    fn(text.slice(start, end));
    start = nl + 1;
  }
}

/**
 * `\tKey=Value` (classic) or `Key = Value` (4103 ContextInfo) lines → map: a dictionary without
 * prototype, as the event data (newDataMap). Names Object.prototype has (`toString=…`) are left
 * out, as they always were (the first value of a name wins, and those names counted as present).
 */
export function parseContext(text: string | undefined): Record<string, string> {
  const out = newDataMap();
  if (!text) return out;
  // Scanned by hand rather than split + regex per line (classic events repeat the context in
  // Message and param2, so this ran a few dozen regexes an event). Same reading as
  // /^\s*([A-Za-z][A-Za-z ]*?)\s*=\s?(.*)$/ on each `\r?\n`-separated line.
  forEachLine(text, (line) => contextLine(line, out));
  return out;
}

const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const WHITESPACE = /\s/;

/**
 * Whether `line` holds, from `from` on, a character `.` does not match (besides \n, which never
 * reaches a line). indexOf rather than a regex: values such as -enc arguments run to kilobytes.
 */
function hasLineBreak(line: string, from: number): boolean {
  return line.indexOf('\r', from) !== -1 || line.indexOf('\u2028', from) !== -1 || line.indexOf('\u2029', from) !== -1;
}

function contextLine(raw: string, out: Record<string, string>): void {
  const line = raw.trimStart(); // trimStart removes exactly what \s matches
  if (line === '' || !isLetter(line.charCodeAt(0))) return;
  let j = 1;
  while (j < line.length) {
    const c = line.charCodeAt(j);
    if (c === 32 || isLetter(c)) j++;
    else break;
  }
  let eq = j;
  while (eq < line.length && line.charCodeAt(eq) !== 61 && WHITESPACE.test(line[eq])) eq++;
  if (line.charCodeAt(eq) !== 61 /* = */) return;
  let keyEnd = j;
  while (line.charCodeAt(keyEnd - 1) === 32) keyEnd--;
  const key = line.slice(0, keyEnd);
  let rest = eq + 1;
  if (rest < line.length && WHITESPACE.test(line[rest])) rest++;
  if (hasLineBreak(line, rest)) return;
  if (!(key in out) && !(key in Object.prototype)) out[key] = line.slice(eq + 1).trim();
}

interface Cat {
  type: string[];
  action: string;
}

const CLASSIC: Record<string, Cat> = {
  '400': { type: ['start'], action: 'Engine Lifecycle' },
  '403': { type: ['end'], action: 'Engine Lifecycle' },
  '600': { type: ['info'], action: 'Provider Lifecycle' },
  '800': { type: ['info'], action: 'Pipeline Execution Details' },
};

const OPERATIONAL: Record<string, Cat> = {
  '4103': { type: ['info'], action: 'Executing Pipeline' },
  '4104': { type: ['info'], action: 'Execute a Remote Command' },
  '4105': { type: ['start'], action: 'Starting Command' },
  '4106': { type: ['end'], action: 'Stopping Command' },
};

const PROCESS: FieldPrefix = ['process'];
const FILE: FieldPrefix = ['file'];
const USER: FieldPrefix = ['user'];
const SOURCE_USER: FieldPrefix = ['source', 'user'];
const DESTINATION_USER: FieldPrefix = ['destination', 'user'];

/** The first of the context's values under `key` or `other` that is not empty. */
function contextValue(ctx: Record<string, string>, key: string, other?: string): string | undefined {
  if (!isEmptyValue(ctx[key])) return ctx[key];
  if (other !== undefined && !isEmptyValue(ctx[other])) return ctx[other];
  return undefined;
}

/** Fields shared by the classic context lines and 4103's ContextInfo, under either spelling. */
function applyContext(doc: EcsEvent, ctx: Record<string, string>): void {
  const get = (key: string, other?: string) => contextValue(ctx, key, other);
  putCommandLine(doc, PROCESS, get('HostApplication', 'Host Application'));
  const cl = get('HostApplication', 'Host Application');
  if (cl) {
    const exe = /^"([^"]+)"|^(\S+)/.exec(cl);
    const path = exe?.[1] ?? exe?.[2];
    if (path) {
      setPath(doc, 'process.executable', path);
      setPath(doc, 'process.name', path.slice(Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/')) + 1));
    }
  }
  put(doc, 'process.title', get('HostName', 'Host Name'));
  put(doc, 'process.entity_id', get('HostId', 'Host ID'));
  put(doc, 'powershell.process.executable_version', get('HostVersion', 'Host Version'));
  put(doc, 'powershell.engine.version', get('EngineVersion', 'Engine Version'));
  put(doc, 'powershell.runspace_id', get('RunspaceId', 'Runspace ID'));
  put(doc, 'powershell.pipeline_id', get('PipelineId', 'Pipeline ID'));
  put(doc, 'powershell.id', get('Shell ID'));
  put(doc, 'event.sequence', toInt(get('SequenceNumber', 'Sequence Number')));
  put(doc, 'powershell.engine.new_state', get('NewEngineState'));
  put(doc, 'powershell.engine.previous_state', get('PreviousEngineState'));
  put(doc, 'powershell.provider.name', get('ProviderName'));
  put(doc, 'powershell.provider.new_state', get('NewProviderState'));
  put(doc, 'powershell.command.name', get('CommandName', 'Command Name'));
  put(doc, 'powershell.command.type', get('CommandType', 'Command Type'));
  put(doc, 'powershell.command.path', get('CommandPath', 'Command Path'));
  put(doc, 'powershell.command.value', get('CommandLine'));
  putPath(doc, FILE, get('ScriptName', 'Script Name'));
  put(doc, 'powershell.total', toInt(get('DetailTotal')));
  // A remoting session: the connected user acts, the local account is the destination.
  const connected = get('Connected User', 'ConnectedUser');
  if (connected) {
    putDomainUser(doc, SOURCE_USER, connected);
    putDomainUser(doc, DESTINATION_USER, get('UserId', 'User'));
    putDomainUser(doc, USER, connected);
  } else putDomainUser(doc, USER, get('UserId', 'User'));
}

const INVOCATION_LINE = /^\s*(\w+)\(([^)]*)\):\s*(.*)$/;
const NAME_VALUE = /^name="(.*?)"; value="([\s\S]*)"$/;

/** 4103 Payload / 800 details: `CommandInvocation(X): "X"` and `ParameterBinding(X): name="a"; value="b"`. */
function invocationDetails(text: string | undefined): EcsEvent[] {
  if (!text) return [];
  const out: EcsEvent[] = [];
  forEachLine(text, (line) => {
    const m = INVOCATION_LINE.exec(line);
    if (!m) return;
    const d: EcsEvent = { type: m[1], related_command: m[2] };
    const nv = NAME_VALUE.exec(m[3]);
    if (nv) {
      d.name = nv[1];
      d.value = nv[2];
    } else d.value = m[3].replace(/^"|"$/g, '');
    out.push(d);
  });
  return out;
}

function mapPowershell(raw: RawRecord, ev: WindowsEvent, dataset: string): EcsEvent {
  const doc = startWindowsEvent(raw, ev, 'windows', dataset);
  const d = ev.data;
  const id = ev.eventId ?? '';
  const used = new Set<string>();
  const table = dataset === 'windows.powershell' ? CLASSIC : OPERATIONAL;
  const cat = table[id];
  const event = doc.event as EcsEvent;
  event.category = ['process'];
  if (cat) {
    event.type = [...cat.type];
    event.action = cat.action;
  }
  if (dataset === 'windows.powershell') {
    // Classic events carry three unnamed strings; the context lines may also only exist in Message.
    const context = d.param3 && /\w=/.test(d.param3) && !/^\s*CommandInvocation/.test(d.param3) ? d.param3 : d.param2;
    const ctx = Object.assign(parseContext(ev.message), parseContext(context));
    applyContext(doc, ctx);
    if (id === '800') {
      const details = invocationDetails(d.param3 ?? ev.message);
      if (details.length) setPath(doc, 'powershell.command.invocation_details', details);
      put(doc, 'powershell.command.value', isEmptyValue(d.param1) ? undefined : d.param1?.trim());
    }
    for (const k of ['param1', 'param2', 'param3']) used.add(k);
  } else {
    const ctx = parseContext(d.ContextInfo);
    applyContext(doc, ctx);
    used.add('ContextInfo');
    const details = invocationDetails(d.Payload);
    if (details.length) {
      setPath(doc, 'powershell.command.invocation_details', details);
      used.add('Payload');
    }
    if (id === '4104' || id === '4105' || id === '4106') {
      put(doc, 'powershell.file.script_block_id', d.ScriptBlockId);
      put(doc, 'powershell.file.script_block_text', d.ScriptBlockText);
      put(doc, 'powershell.sequence', toInt(d.MessageNumber));
      put(doc, 'powershell.total', toInt(d.MessageTotal));
      put(doc, 'powershell.runspace_id', d.RunspaceId);
      putPath(doc, FILE, isEmptyValue(d.Path) ? undefined : d.Path);
      for (const k of ['ScriptBlockId', 'ScriptBlockText', 'MessageNumber', 'MessageTotal', 'RunspaceId', 'Path']) used.add(k);
    }
  }
  if (ev.userName && !('user' in doc && (doc.user as EcsEvent).name)) {
    put(doc, 'user.name', ev.userName);
    put(doc, 'user.domain', ev.userDomain);
  }
  putEventData(doc, d, used);
  fillWindowsRelated(doc);
  return doc;
}

function parser(dataset: string) {
  return (raw: RawRecord): ParseResult => parseWindowsEvent(raw, dataset, (r, ev) => mapPowershell(r, ev, dataset));
}

export const powershellParser: Parser = { dataset: 'windows.powershell', parse: parser('windows.powershell') };
export const powershellOperationalParser: Parser = {
  dataset: 'windows.powershell_operational',
  parse: parser('windows.powershell_operational'),
};
