// Agreement of group A parsers (syslog family, web servers, firewalls, auditd) with Elastic's fixtures.
import { describe, it } from 'vitest';
import { expectAgreement } from './fixture-harness.ts';

const DATASETS = ['system.auth', 'system.syslog', 'nginx.access', 'apache.access', 'haproxy.log', 'iptables.log', 'pfsense.log', 'auditd.log'];

describe('group A parsers agree with Elastic integration fixtures', () => {
  for (const dataset of DATASETS) {
    it(`${dataset} ≥ 90% of compared fields`, () => {
      expectAgreement(dataset);
    });
  }
});
