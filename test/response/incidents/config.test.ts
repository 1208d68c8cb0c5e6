import { describe, expect, it } from 'vitest';
import { defaultIncidentConfig, incidentConfig } from '../../../response/incidents/config.ts';

describe('incident config', () => {
  it('fills defaults and keeps the SLA targets a partial grade entry leaves out', () => {
    const c = incidentConfig({ operatorType: 'cii', sla: { I: { triageMs: 60_000 } } });
    expect(c.operatorType).toBe('cii');
    expect(c.sla.I).toEqual({ triageMs: 60_000, containMs: defaultIncidentConfig.sla.I.containMs, closeMs: defaultIncidentConfig.sla.I.closeMs });
    expect(c.sla.IV).toEqual(defaultIncidentConfig.sla.IV);
    expect(c.reportingInitialMs).toEqual({ cii: 3_600_000, other: 14_400_000 });
    expect(c.groupingWindowMs).toBe(3_600_000);
  });

  it('refuses bad values naming the key', () => {
    expect(() => incidentConfig({ groupingWindowMs: 0 })).toThrow('incidents.groupingWindowMs: 0 is not a positive number');
    expect(() => incidentConfig({ sla: { II: { containMs: -1 } } })).toThrow('incidents.sla.II.containMs: -1 is not a positive number');
    expect(() => incidentConfig({ slaNearFraction: 1.5 })).toThrow('incidents.slaNearFraction: 1.5 must be above 0 and at most 1');
    expect(() => incidentConfig({ operatorType: 'bank' as 'cii' })).toThrow("incidents.operatorType: 'bank' (allowed: cii, other)");
  });
});
