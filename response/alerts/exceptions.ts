// Rule exceptions: field/value conditions (all must hold) under which a rule's alerts are closed
// on arrival instead of opening incidents. Stored in the docs collection 'rule-exceptions' and
// read on every intake batch, so one an analyst adds takes effect with the next alert.
import { getPath } from '../../core/ecs.ts';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Alert, DocumentStore } from '../../core/storage/types.ts';

export const exceptionCollection = 'rule-exceptions';

export interface ExceptionCondition {
  /** An ECS field of the matched events (`source.ip`) or an alert field (`entities.hosts`). */
  field: string;
  value: string;
}

export interface RuleException {
  id: string;
  ruleId: string;
  conditions: ExceptionCondition[];
  reason: string;
  createdBy: string;
  createdAt: string;
  /** The false-positive alert it was made from. */
  sourceAlertId?: string;
}

function scalars(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  if (Array.isArray(v)) return v.flatMap(scalars);
  return [];
}

/** True when some event copy (or the alert itself) has the value; strings compare case-insensitively. */
function conditionHolds(alert: Alert, c: ExceptionCondition): boolean {
  const want = c.value.toLowerCase();
  const sources: Array<Record<string, unknown>> = [...alert.events, alert as unknown as Record<string, unknown>];
  return sources.some((doc) => scalars(getPath(doc, c.field)).some((v) => v.toLowerCase() === want));
}

export function exceptionMatches(ex: RuleException, alert: Alert): boolean {
  return ex.ruleId === alert.ruleId && ex.conditions.length > 0 && ex.conditions.every((c) => conditionHolds(alert, c));
}

export class RuleExceptions {
  constructor(private readonly docs: DocumentStore) {}

  async all(): Promise<RuleException[]> {
    return (await this.docs.list<RuleException>(exceptionCollection)).map((d) => d.body);
  }

  async forRule(ruleId: string): Promise<RuleException[]> {
    return (await this.all()).filter((e) => e.ruleId === ruleId).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async add(input: Omit<RuleException, 'id'>): Promise<RuleException> {
    if (!input.conditions.length) {
      throw new VigilError(ErrorCode.REQUEST_INVALID, `exception for rule ${input.ruleId}: needs at least one {field, value} condition`, {
        source: 'body',
        path: '/exception',
      });
    }
    input.conditions.forEach((c, i) => {
      if (!c.field.trim()) {
        throw new VigilError(ErrorCode.REQUEST_INVALID, `exception[${i}].field: must not be empty`, { source: 'body', path: `/exception/${i}/field` });
      }
    });
    const ex: RuleException = { id: newId(), ...input };
    await this.docs.put(exceptionCollection, ex.id, ex);
    return ex;
  }

  /** NOT_FOUND when the exception does not exist or belongs to another rule. */
  async remove(ruleId: string, id: string): Promise<RuleException> {
    const doc = await this.docs.get<RuleException>(exceptionCollection, id);
    if (!doc || doc.body.ruleId !== ruleId) {
      throw new VigilError(ErrorCode.NOT_FOUND, `rule ${ruleId}: no exception ${id}`, { source: 'params', path: '/exceptionId' });
    }
    await this.docs.delete(exceptionCollection, id);
    return doc.body;
  }
}
