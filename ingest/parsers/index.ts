// Registry of raw-format parsers by dataset name. Each group adds its parsers at its marker.
import { apacheAccessParser, apacheErrorParser } from './apache.ts';
import { auditdParser } from './auditd.ts';
import { haproxyParser } from './haproxy.ts';
import { iptablesParser } from './iptables.ts';
import { nginxAccessParser, nginxErrorParser } from './nginx.ts';
import { pfsenseParser } from './pfsense.ts';
import { rfc3164Parser } from './rfc3164.ts';
import { rfc5424Parser } from './rfc5424.ts';
import { systemAuthParser } from './system-auth.ts';
import { systemSyslogParser } from './system-syslog.ts';
import type { Parser } from './types.ts';
// group B imports
import { ciscoAsaParser } from './cisco-asa.ts';
import { fortigateParser } from './fortigate.ts';
import { panosParser } from './panos.ts';
import { suricataParser } from './suricata.ts';
import { zeekConnectionParser, zeekConnParser, zeekDnsParser, zeekHttpParser } from './zeek.ts';
import { cloudTrailParser } from './cloudtrail.ts';
import { powershellOperationalParser, powershellParser } from './windows/powershell.ts';
import { securityParser } from './windows/security.ts';
import { sysmonParser } from './windows/sysmon.ts';
import { forwardedParser } from './windows/forwarded.ts';
import { cefParser } from './cef.ts';
import { leefParser } from './leef.ts';
import { kvParser } from './kv.ts';
import { jsonParser } from './json.ts';

const parsers: Parser[] = [
  // --- group A (syslog family) ---
  rfc3164Parser,
  rfc5424Parser,
  systemAuthParser,
  systemSyslogParser,
  nginxAccessParser,
  nginxErrorParser,
  apacheAccessParser,
  apacheErrorParser,
  haproxyParser,
  iptablesParser,
  pfsenseParser,
  auditdParser,
  // --- group B (network, cloud, windows, generic) ---
  ciscoAsaParser,
  fortigateParser,
  panosParser,
  suricataParser,
  zeekConnectionParser,
  zeekConnParser,
  zeekDnsParser,
  zeekHttpParser,
  cloudTrailParser,
  sysmonParser,
  securityParser,
  powershellParser,
  powershellOperationalParser,
  forwardedParser,
  cefParser,
  leefParser,
  kvParser,
  jsonParser,
];

export const parserRegistry: ReadonlyMap<string, Parser> = new Map(parsers.map((p) => [p.dataset, p]));

export function getParser(dataset: string): Parser | undefined {
  return parserRegistry.get(dataset);
}
