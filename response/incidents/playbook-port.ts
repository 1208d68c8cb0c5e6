// The incident operations the playbook engine uses (its PlaybookIncidentPort in
// response/playbooks/model.ts), backed by the IncidentService so playbook changes get the same
// checks, timeline entries, audit entries and notices as an analyst's.
import type { Actor } from '../../core/auth/api-keys.ts';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { Incident } from '../../core/storage/types.ts';
import type { IncidentService } from './service.ts';

export interface IncidentPort {
  get(id: string): Promise<Incident | undefined>;
  transition(id: string, body: { to: string; resolution?: string; summary?: string }, actor: Actor): Promise<Incident>;
  setFields(id: string, fields: Record<string, unknown>, actor: Actor): Promise<Incident>;
  appendTimeline(id: string, kind: string, data: Record<string, unknown>, actor: Actor): Promise<void>;
}

export function incidentPort(service: IncidentService): IncidentPort {
  return {
    async get(id) {
      try {
        return await service.get(id);
      } catch (err) {
        if (err instanceof VigilError && err.code === ErrorCode.NOT_FOUND) return undefined;
        throw err;
      }
    },
    transition: (id, body, actor) => service.transition(id, body, { actor }),
    setFields: (id, fields, actor) => service.setFields(id, fields, { actor }),
    async appendTimeline(id, kind, data, actor) {
      await service.appendTimeline(id, { kind, data }, { actor });
    },
  };
}
