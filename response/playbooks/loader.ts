// Loads playbooks from YAML (rules/playbooks/*.yml) and checks everything that can be checked
// before a run: structure, step kinds and their inputs, template references, conditions, branch
// targets, connectors, and that every destructive step sits behind an approval step.
// Loaders collect: every problem of every file is reported (file + YAML path), the rest load.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import yaml from 'js-yaml';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { type Condition, conditionRefs, parseCondition } from './condition.ts';
import { type ConnectorConfig, loadConnectorsFile } from './connectors.ts';
import { checkInput, parseDuration } from './input-schema.ts';
import { type Playbook, type PlaybookStep, type PlaybookTrigger, phases, type RetryPolicy, type StepKind, type TriggerType, triggerTypes } from './model.ts';
import { stepKinds } from './steps/index.ts';
import { collectTemplates, type TemplateRef } from './template.ts';

/** File names in a playbook folder that are configuration, not playbooks. */
export const CONNECTORS_FILE = 'connectors.yml';

export const incidentTemplateKeys = [
  'id', 'version', 'title', 'state', 'severity', 'grade', 'category', 'subcategory', 'assignee', 'tags',
  'ruleIds', 'hosts', 'users', 'groupKey', 'createdAt', 'updatedAt', 'fields',
];
export const observableTemplateKeys = ['ip', 'domain', 'url', 'hash', 'user', 'host'];
const stepTemplateKeys = ['output', 'status', 'input', 'error', 'attempt', 'decision'];
const runTemplateKeys = ['id', 'playbook', 'version', 'dry_run'];
const triggerTemplateKeys = ['type', 'data', 'at', 'notice'];

const topKeys = ['id', 'title', 'description', 'enabled', 'trigger', 'steps'];
const stepKeys = ['id', 'kind', 'phase', 'name', 'with', 'when', 'retry', 'timeout', 'continue_on_failure'];
const ID = /^[a-z][a-z0-9_]*$/;

export interface LoadPlaybooksOptions {
  /** Playbook files or folders (every *.yml / *.yaml except connectors.yml). */
  paths: readonly string[];
  /**
   * Connectors the playbooks may use. When absent, connectors.yml files found in the given
   * folders are read.
   */
  connectors?: readonly ConnectorConfig[];
  /** Extra connector files (config `playbooks.connectorsFile`). */
  connectorFiles?: readonly string[];
  /** How files are named in messages. @default relative to the working directory */
  label?: (absPath: string) => string;
  kinds?: ReadonlyMap<string, StepKind>;
}

export interface LoadedPlaybooks {
  playbooks: Playbook[];
  connectors: ConnectorConfig[];
  errors: VigilError[];
  /** Playbook files read. */
  files: string[];
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function defaultLabel(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

function listYaml(path: string, out: string[], connectorFiles: string[]): void {
  const st = statSync(path);
  if (st.isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) listYaml(full, out, connectorFiles);
      else if (name === CONNECTORS_FILE) connectorFiles.push(full);
      else if (/\.ya?ml$/.test(name)) out.push(full);
    }
  } else if (basename(path) === CONNECTORS_FILE) connectorFiles.push(path);
  else out.push(path);
}

export function loadPlaybooks(opts: LoadPlaybooksOptions): LoadedPlaybooks {
  const label = opts.label ?? defaultLabel;
  const errors: VigilError[] = [];
  const files: string[] = [];
  const foundConnectorFiles: string[] = [];
  for (const p of opts.paths) {
    const abs = resolve(p);
    try {
      listYaml(abs, files, foundConnectorFiles);
    } catch (err) {
      errors.push(new VigilError(ErrorCode.PLAYBOOK_INVALID, `${label(abs)}: cannot read: ${(err as Error).message}`, { source: label(abs) }));
    }
  }
  let connectors: ConnectorConfig[] = [...(opts.connectors ?? [])];
  const connectorFiles = [...(opts.connectors ? [] : foundConnectorFiles), ...(opts.connectorFiles ?? [])];
  for (const f of connectorFiles) {
    const r = loadConnectorsFile(f, label(resolve(f)));
    errors.push(...r.errors);
    connectors = [...connectors.filter((c) => !r.connectors.some((n) => n.name === c.name)), ...r.connectors];
  }
  const connectorNames = new Set(connectors.map((c) => c.name));
  const playbooks: Playbook[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const name = label(file);
    const r = parsePlaybookText(readFileSync(file, 'utf8'), name, connectorNames, opts.kinds ?? stepKinds);
    errors.push(...r.errors);
    if (!r.playbook) continue;
    const other = seen.get(r.playbook.id);
    if (other) {
      errors.push(new VigilError(ErrorCode.PLAYBOOK_INVALID, `${name}: id: '${r.playbook.id}' is already used by ${other}`, { source: name, path: 'id' }));
      continue;
    }
    seen.set(r.playbook.id, name);
    playbooks.push(r.playbook);
  }
  return { playbooks, connectors, errors, files };
}

/** Parses and checks one playbook file's text. */
export function parsePlaybookText(
  text: string,
  file: string,
  connectors: ReadonlySet<string>,
  kinds: ReadonlyMap<string, StepKind> = stepKinds,
): { playbook?: Playbook; errors: VigilError[] } {
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: file });
  } catch (err) {
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const reason = ((err as { reason?: string }).reason ?? (err as Error).message).split('\n')[0];
    const where = mark ? `${file}:${mark.line + 1}:${mark.column + 1}` : file;
    return {
      errors: [new VigilError(ErrorCode.PLAYBOOK_INVALID, `${where}: YAML syntax: ${reason}`, { source: file, line: mark ? mark.line + 1 : undefined, column: mark ? mark.column + 1 : undefined })],
    };
  }
  return parsePlaybook(doc, text, file, connectors, kinds);
}

export function playbookVersion(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function parsePlaybook(
  doc: unknown,
  text: string,
  file: string,
  connectors: ReadonlySet<string>,
  kinds: ReadonlyMap<string, StepKind> = stepKinds,
): { playbook?: Playbook; errors: VigilError[] } {
  const errors: VigilError[] = [];
  const add = (path: string, reason: string) =>
    errors.push(new VigilError(ErrorCode.PLAYBOOK_INVALID, `${file}: ${path}: ${reason}`, { source: file, path }));
  if (!isObj(doc)) {
    add('(document)', 'expected a map with id, title, trigger and steps');
    return { errors };
  }
  for (const k of Object.keys(doc)) if (!topKeys.includes(k)) add(k, `unknown key (known: ${topKeys.join(', ')})`);
  const id = doc.id;
  if (typeof id !== 'string' || !ID.test(id)) add('id', typeof id === 'string' ? `'${id}' must be snake_case (a-z, 0-9, _)` : 'required');
  if (typeof doc.title !== 'string' || !doc.title.trim()) add('title', 'required');
  if (doc.enabled !== undefined && typeof doc.enabled !== 'boolean') add('enabled', 'expected true or false');

  const trigger = parseTrigger(doc.trigger, add);
  const steps = parseSteps(doc.steps, add, connectors, kinds);
  if (errors.length > 0 || !trigger || !steps) return { errors };
  return {
    playbook: {
      id: id as string,
      title: (doc.title as string).trim(),
      description: typeof doc.description === 'string' ? doc.description.trim() : undefined,
      version: playbookVersion(text),
      source: file,
      enabled: doc.enabled !== false,
      trigger,
      steps,
    },
    errors,
  };
}

type Add = (path: string, reason: string) => void;

function parseTrigger(raw: unknown, add: Add): PlaybookTrigger | undefined {
  if (!isObj(raw)) {
    add('trigger', 'required: { on: incident.created | incident.state_changed | sla.breached …, when?: condition }');
    return undefined;
  }
  for (const k of Object.keys(raw)) if (!['on', 'when'].includes(k)) add(`trigger.${k}`, 'unknown key (known: on, when)');
  const on = typeof raw.on === 'string' ? [raw.on] : raw.on;
  let ok = true;
  if (!Array.isArray(on) || on.length === 0) {
    add('trigger.on', `required: one or more of ${triggerTypes.join(', ')}`);
    ok = false;
  } else {
    on.forEach((t, i) => {
      if (!(triggerTypes as readonly unknown[]).includes(t)) {
        add(Array.isArray(raw.on) ? `trigger.on[${i}]` : 'trigger.on', `'${String(t)}' is not a trigger (known: ${triggerTypes.join(', ')})`);
        ok = false;
      }
    });
  }
  let when: Condition | undefined;
  if (raw.when !== undefined) {
    const problems: Array<[string, string]> = [];
    when = parseCondition(raw.when, 'trigger.when', problems);
    for (const [p, r] of problems) add(p, r);
    if (when) checkRefs(conditionRefs(when), 'trigger.when', ['incident', 'observables', 'trigger'], [], add);
    if (problems.length) ok = false;
  }
  return ok ? { on: on as TriggerType[], when } : undefined;
}

/** Rejects references a run could never resolve. */
function checkRefs(refs: readonly TemplateRef[], path: string, roots: readonly string[], earlierSteps: readonly string[], add: Add): void {
  for (const ref of refs) {
    const [root, second, third] = ref.segments;
    const bad = (why: string) => add(path, `unknown reference '${ref.text}': ${why}`);
    if (!roots.includes(String(root))) {
      bad(`templates read ${roots.join(', ')}`);
      continue;
    }
    if (second === undefined) continue;
    switch (root) {
      case 'incident':
        if (!incidentTemplateKeys.includes(String(second))) bad(`incident has ${incidentTemplateKeys.join(', ')}`);
        break;
      case 'observables':
        if (!observableTemplateKeys.includes(String(second))) bad(`observable types are ${observableTemplateKeys.join(', ')}`);
        break;
      case 'steps':
        if (!earlierSteps.includes(String(second))) bad(earlierSteps.length ? `no earlier step '${String(second)}' (earlier steps: ${earlierSteps.join(', ')})` : 'no step comes before this one');
        else if (third !== undefined && !stepTemplateKeys.includes(String(third))) bad(`a step has ${stepTemplateKeys.join(', ')}`);
        break;
      case 'run':
        if (!runTemplateKeys.includes(String(second))) bad(`run has ${runTemplateKeys.join(', ')}`);
        break;
      case 'trigger':
        if (!triggerTemplateKeys.includes(String(second))) bad(`trigger has ${triggerTemplateKeys.join(', ')}`);
        break;
    }
  }
}

function parseRetry(raw: unknown, base: RetryPolicy, path: string, add: Add): RetryPolicy {
  if (raw === undefined) return base;
  if (!isObj(raw)) {
    add(path, 'expected { max_attempts, initial, factor, max }');
    return base;
  }
  const out = { ...base };
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'max_attempts') {
      if (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100) out.maxAttempts = v as number;
      else add(`${path}.max_attempts`, 'expected an integer from 1 to 100');
    } else if (k === 'factor') {
      if (typeof v === 'number' && v >= 1 && v <= 10) out.factor = v;
      else add(`${path}.factor`, 'expected a number from 1 to 10');
    } else if (k === 'initial' || k === 'max') {
      const ms = parseDuration(v);
      if (ms === undefined) add(`${path}.${k}`, 'expected a duration such as 500ms, 2s, 1m');
      else if (k === 'initial') out.initialMs = ms;
      else out.maxMs = ms;
    } else add(`${path}.${k}`, 'unknown key (known: max_attempts, initial, factor, max)');
  }
  return out;
}

function parseSteps(raw: unknown, add: Add, connectors: ReadonlySet<string>, kinds: ReadonlyMap<string, StepKind>): PlaybookStep[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    add('steps', 'required: a non-empty list of steps');
    return undefined;
  }
  const ids = raw.map((s) => (isObj(s) && typeof s.id === 'string' ? s.id : undefined));
  const steps: PlaybookStep[] = [];
  let ok = true;
  const fail: Add = (p, r) => {
    ok = false;
    add(p, r);
  };
  raw.forEach((s, index) => {
    const at = `steps[${index}]`;
    if (!isObj(s)) {
      fail(at, 'expected a map with id, kind, phase and with');
      return;
    }
    for (const k of Object.keys(s)) if (!stepKeys.includes(k)) fail(`${at}.${k}`, `unknown key (known: ${stepKeys.join(', ')})`);
    const id = ids[index];
    if (id === undefined) fail(`${at}.id`, 'required');
    else if (!ID.test(id)) fail(`${at}.id`, `'${id}' must be snake_case (a-z, 0-9, _)`);
    else if (ids.indexOf(id) !== index) fail(`${at}.id`, `'${id}' is already the id of steps[${ids.indexOf(id)}]`);
    const kind = typeof s.kind === 'string' ? kinds.get(s.kind) : undefined;
    if (!kind) fail(`${at}.kind`, s.kind === undefined ? `required (known: ${[...kinds.keys()].join(', ')})` : `unknown step kind '${String(s.kind)}' (known: ${[...kinds.keys()].join(', ')})`);
    if (!(phases as readonly unknown[]).includes(s.phase)) {
      fail(`${at}.phase`, s.phase === undefined ? `required: the lifecycle phase (${phases.join(', ')})` : `'${String(s.phase)}' is not a phase (${phases.join(', ')})`);
    }
    if (s.name !== undefined && typeof s.name !== 'string') fail(`${at}.name`, 'expected text');
    const input = s.with === undefined ? {} : s.with;
    if (!isObj(input)) {
      fail(`${at}.with`, 'expected a map of inputs');
      return;
    }
    const earlier = ids.slice(0, index).filter((x): x is string => x !== undefined);
    const later = ids.slice(index + 1).filter((x): x is string => x !== undefined);
    let when: Condition | undefined;
    if (s.when !== undefined) {
      const problems: Array<[string, string]> = [];
      when = parseCondition(s.when, `${at}.when`, problems);
      for (const [p, r] of problems) fail(p, r);
      if (when) checkRefs(conditionRefs(when), `${at}.when`, ['incident', 'observables', 'trigger', 'steps', 'run'], earlier, fail);
    }
    if (s.continue_on_failure !== undefined && typeof s.continue_on_failure !== 'boolean') fail(`${at}.continue_on_failure`, 'expected true or false');
    let timeoutMs = kind?.timeoutMs ?? 0;
    if (s.timeout !== undefined) {
      const ms = parseDuration(s.timeout);
      if (ms === undefined || ms <= 0) fail(`${at}.timeout`, 'expected a duration such as 10s, 2m');
      else if (kind?.control) fail(`${at}.timeout`, `${kind.kind} steps take no step timeout${kind.control === 'approval' ? ' (use with.timeout for the approval deadline)' : ''}`);
      else timeoutMs = ms;
    }
    if (!kind) return;
    const retry = parseRetry(s.retry, kind.retry, `${at}.retry`, fail);
    if (kind.control && s.retry !== undefined) fail(`${at}.retry`, `${kind.kind} steps are not retried`);

    for (const [k, r] of checkInput(kind.inputSchema, input, false)) fail(`${at}.with.${k}`, r);
    for (const [k, r] of kind.check?.(input, { connectors, laterStepIds: later }) ?? []) fail(`${at}.with.${k}`, r);
    const roots = ['incident', 'observables', 'trigger', 'steps', 'run'];
    if (kind.control === 'branch') {
      const problems: Array<[string, string]> = [];
      const cond = parseCondition(input.if, `${at}.with.if`, problems);
      for (const [p, r] of problems) fail(p, r);
      if (cond) checkRefs(conditionRefs(cond), `${at}.with.if`, roots, earlier, fail);
    } else {
      for (const t of collectTemplates(input, '')) {
        if (t.error) fail(`${at}.with.${t.path}`, t.error);
        else if (t.template) checkRefs(t.template.refs, `${at}.with.${t.path}`, roots, earlier, fail);
      }
    }
    steps.push({
      id: id ?? `#${index}`,
      index,
      kind: kind.kind,
      phase: s.phase as PlaybookStep['phase'],
      name: typeof s.name === 'string' ? s.name : undefined,
      with: input,
      when,
      retry,
      timeoutMs,
      continueOnFailure: s.continue_on_failure === true,
    });
  });
  if (!ok) return undefined;
  checkApprovalGates(steps, kinds, add);
  return steps;
}

/** Steps a jump (branch target, on_deny) can land on from step `i`. */
function jumpTargets(step: PlaybookStep): string[] {
  const out: string[] = [];
  for (const k of ['then', 'else', 'on_deny']) {
    const v = step.with[k];
    if (typeof v === 'string' && v !== 'end') out.push(v);
  }
  return out;
}

/**
 * Every destructive step needs an approval step before it, and no jump may land between that
 * approval and the step from before the approval (which would bypass the gate). The runner
 * checks again at run time, so a skipped approval (`when:`) never lets the step through.
 */
function checkApprovalGates(steps: PlaybookStep[], kinds: ReadonlyMap<string, StepKind>, add: Add): void {
  const indexOf = new Map(steps.map((s, i) => [s.id, i]));
  steps.forEach((s, d) => {
    if (!kinds.get(s.kind)?.destructive) return;
    let a = d - 1;
    while (a >= 0 && steps[a].kind !== 'approval') a--;
    if (a < 0) {
      add(`steps[${d}].kind`, `${s.kind} is destructive and needs an approval step before it`);
      return;
    }
    for (let b = 0; b <= a; b++) {
      for (const target of jumpTargets(steps[b])) {
        const t = indexOf.get(target) ?? -1;
        if (t > a && t <= d) {
          add(`steps[${b}].with`, `jumps to '${target}', past the approval step '${steps[a].id}' that guards the destructive step '${s.id}'`);
        }
      }
    }
  });
}
