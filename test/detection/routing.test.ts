import { describe, expect, it } from 'vitest';
import { createRouter, logsourceMeets } from '../../detection/routing/index.ts';
import { bundledPipelines } from './helpers.ts';

const router = createRouter(bundledPipelines());
const ls = (event: Record<string, unknown>) => {
  const r = router.route(event).logsource;
  return r ? { product: [...r.product].sort(), service: [...r.service].sort(), category: [...r.category].sort() } : undefined;
};

describe('logsource routing', () => {
  it('routes flat NXLog Sysmon events by EventID', () => {
    expect(ls({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1 })).toEqual({
      product: ['windows'],
      service: ['sysmon'],
      category: ['process_creation'],
    });
    expect(ls({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 10 })?.category).toEqual(['process_access']);
    expect(ls({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 3 })?.category).toEqual(['network_connection']);
  });

  it('routes the Security channel case-insensitively, with 4688 as process_creation', () => {
    expect(ls({ Channel: 'security', EventID: 4624 })).toEqual({ product: ['windows'], service: ['security'], category: [] });
    expect(ls({ Channel: 'Security', EventID: 4688 })?.category).toEqual(['process_creation']);
  });

  it('routes PowerShell channels to ps_script, ps_module and ps_classic_start', () => {
    expect(ls({ Channel: 'Microsoft-Windows-PowerShell/Operational', EventID: 4104 })?.category).toEqual(['ps_script']);
    expect(ls({ Channel: 'Microsoft-Windows-PowerShell/Operational', EventID: 4103 })?.category).toEqual(['ps_module']);
    expect(ls({ Channel: 'Windows PowerShell', EventID: 400 })?.category).toEqual(['ps_classic_start']);
  });

  it('reads ECS winlogbeat, evtx_dump and Winlogbeat 6 shapes', () => {
    expect(ls({ winlog: { channel: 'Microsoft-Windows-Sysmon/Operational' }, event: { code: '1', module: 'sysmon' } })?.category).toEqual([
      'process_creation',
    ]);
    const evtx = { Event: { System: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: { '#text': 3 } } } };
    expect(ls(evtx)?.category).toEqual(['network_connection']);
    expect(ls({ log_name: 'Security', event_id: 4688 })?.category).toEqual(['process_creation']);
  });

  it('routes ECS datasets of other products', () => {
    expect(ls({ event: { dataset: 'system.auth' } })?.service).toEqual(['auth', 'sshd', 'sudo']);
    expect(ls({ event: { module: 'nginx', dataset: 'nginx.access' } })?.category).toEqual(['webserver']);
    expect(ls({ event: { dataset: 'aws.cloudtrail' } })).toEqual({ product: ['aws'], service: ['cloudtrail'], category: [] });
    expect(ls({ event: { category: ['process'], type: ['start'] }, host: { os: { type: 'linux' } } })?.category).toEqual(['process_creation']);
  });

  it('leaves an event that says nothing about its source unrouted', () => {
    expect(router.route({ message: 'hello', user: { name: 'x' } }).logsource).toBeUndefined();
  });

  it('lets a rule meet only events of its logsource', () => {
    const sysmon1 = router.route({ Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: 1 }).logsource;
    expect(logsourceMeets({ product: 'windows', category: 'process_creation' }, sysmon1)).toBe(true);
    expect(logsourceMeets({ product: 'windows', service: 'sysmon' }, sysmon1)).toBe(true);
    expect(logsourceMeets({ product: 'windows' }, sysmon1)).toBe(true);
    expect(logsourceMeets({ product: 'windows', service: 'security' }, sysmon1)).toBe(false);
    expect(logsourceMeets({ product: 'windows', category: 'process_access' }, sysmon1)).toBe(false);
    expect(logsourceMeets({ product: 'linux', category: 'process_creation' }, sysmon1)).toBe(false);
    expect(logsourceMeets({ product: 'linux', category: 'process_creation' }, undefined)).toBe(true);
  });

  it('gives events of the same source the same route key', () => {
    const a = router.route({ Channel: 'Security', EventID: 4624, x: 1 });
    const b = router.route({ Channel: 'SECURITY', EventID: '4624', y: 2 });
    expect(a.key).toBe(b.key);
    expect(router.route({ Channel: 'Security', EventID: 4625 }).key).not.toBe(a.key);
  });
});
