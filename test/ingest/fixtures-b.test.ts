// Group B parsers against Elastic's pipeline fixtures: agreement on the important ECS fields
// per dataset (fails below 90%, aims at 95%).
import { describe, it } from 'vitest';
import { expectAgreement } from './fixture-harness.ts';

const DATASETS = [
  'cisco_asa.log',
  'fortinet_fortigate.log',
  'panw.panos',
  'suricata.eve',
  'aws.cloudtrail',
  'windows.sysmon_operational',
];

describe('group B parsers agree with Elastic fixtures', () => {
  for (const dataset of DATASETS) {
    it(dataset, () => {
      expectAgreement(dataset);
    });
  }
});
