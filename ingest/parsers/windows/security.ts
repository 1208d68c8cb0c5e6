// Windows Security channel (Microsoft-Windows-Security-Auditing) → ECS as Elastic's system.security
// pipeline maps it: logons, account and group management, process creation, Kerberos/NTLM,
// scheduled tasks, services, audit-log changes and Windows Filtering Platform connections.
import { type EcsEvent, objectAt } from '../../../core/ecs.ts';
import { isIp, put, transportName } from '../event-build.ts';
import type { Parser, ParseResult, RawRecord } from '../types.ts';
import {
  EventDataReader,
  type FieldPrefix,
  fillWindowsRelated,
  objectPath,
  putCommandLine,
  putEventData,
  putExecutable,
  startWindowsEvent,
  toNumber,
} from './build.ts';
import { parseWindowsEvent, type WindowsEvent } from './shapes.ts';

const DATASET = 'system.security';

interface Cat {
  category: string[];
  type: string[];
  action: string;
  outcome?: 'success' | 'failure';
}

const C = (category: string[], type: string[], action: string, outcome?: 'success' | 'failure'): Cat => ({
  category,
  type,
  action,
  outcome,
});
const AUTH = ['authentication'];
const IAM = ['iam'];

const CATEGORIES: Record<string, Cat> = {
  '1100': C(['process'], ['end'], 'logging-service-shutdown'),
  '1102': C(IAM, ['admin', 'change'], 'audit-log-cleared'),
  '1104': C(IAM, ['admin'], 'logging-full'),
  '1105': C(IAM, ['admin'], 'auditlog-archieved'),
  '1108': C(IAM, ['admin'], 'logging-processing-error'),
  '4608': C(['process'], ['start'], 'windows-startup'),
  '4609': C(['process'], ['end'], 'windows-shutdown'),
  '4610': C(['configuration'], ['access'], 'authentication-package-loaded'),
  '4611': C(['configuration'], ['change'], 'trusted-logon-process-registered'),
  '4614': C(['configuration'], ['access'], 'notification-package-loaded'),
  '4616': C(['configuration'], ['change'], 'system-time-changed'),
  '4622': C(['configuration'], ['access'], 'security-package-loaded'),
  '4624': C(AUTH, ['start'], 'logged-in', 'success'),
  '4625': C(AUTH, ['start'], 'logon-failed', 'failure'),
  '4634': C(AUTH, ['end'], 'logged-out', 'success'),
  '4647': C(AUTH, ['end'], 'logged-out', 'success'),
  '4648': C(AUTH, ['start'], 'logged-in-explicit', 'success'),
  '4656': C(IAM, ['info'], 'handle-requested'),
  '4658': C(IAM, ['info'], 'handle-closed'),
  '4662': C(IAM, ['info'], 'object-operation-performed'),
  '4663': C(IAM, ['info'], 'object-access-attempted'),
  '4657': C(['registry', 'configuration'], ['change'], 'registry-value-modified'),
  '4670': C(['iam', 'configuration'], ['admin', 'change'], 'permissions-changed'),
  '4672': C(IAM, ['admin'], 'logged-in-special'),
  '4673': C(IAM, ['admin'], 'privileged-service-called'),
  '4674': C(IAM, ['admin'], 'privileged-operation'),
  '4688': C(['process'], ['start'], 'created-process'),
  '4689': C(['process'], ['end'], 'exited-process'),
  '4690': C(IAM, ['info'], 'handle-duplicated'),
  '4697': C(['iam', 'configuration'], ['admin', 'change'], 'service-installed'),
  '4698': C(['iam', 'configuration'], ['creation', 'admin'], 'scheduled-task-created'),
  '4699': C(['iam', 'configuration'], ['deletion', 'admin'], 'scheduled-task-deleted'),
  '4700': C(['iam', 'configuration'], ['change', 'admin'], 'scheduled-task-enabled'),
  '4701': C(['iam', 'configuration'], ['change', 'admin'], 'scheduled-task-disabled'),
  '4702': C(['iam', 'configuration'], ['change', 'admin'], 'scheduled-task-updated'),
  '4703': C(IAM, ['admin', 'change'], 'token-right-adjusted'),
  '4704': C(IAM, ['admin', 'change'], 'user-right-assigned'),
  '4705': C(IAM, ['admin', 'change'], 'user-right-removed'),
  '4706': C(['configuration'], ['creation'], 'domain-trust-added'),
  '4707': C(['configuration'], ['deletion'], 'domain-trust-removed'),
  '4713': C(['configuration'], ['change'], 'kerberos-policy-changed'),
  '4714': C(['configuration'], ['change'], 'encrypted-data-recovery-policy-changed'),
  '4715': C(['configuration'], ['change'], 'object-audit-policy-changed'),
  '4716': C(['configuration'], ['change'], 'trusted-domain-information-changed'),
  '4717': C(['iam', 'configuration'], ['admin', 'change'], 'system-security-access-granted'),
  '4718': C(['iam', 'configuration'], ['admin', 'deletion'], 'system-security-access-removed'),
  '4719': C(['iam', 'configuration'], ['admin', 'change'], 'changed-audit-config'),
  '4720': C(IAM, ['user', 'creation'], 'added-user-account'),
  '4722': C(IAM, ['user', 'change'], 'enabled-user-account'),
  '4723': C(IAM, ['user', 'change'], 'changed-password'),
  '4724': C(IAM, ['user', 'change'], 'reset-password'),
  '4725': C(IAM, ['user', 'deletion'], 'disabled-user-account'),
  '4726': C(IAM, ['user', 'deletion'], 'deleted-user-account'),
  '4727': C(IAM, ['group', 'creation'], 'added-group-account'),
  '4728': C(IAM, ['group', 'change'], 'added-member-to-group'),
  '4729': C(IAM, ['group', 'change'], 'removed-member-from-group'),
  '4730': C(IAM, ['group', 'deletion'], 'deleted-group-account'),
  '4731': C(IAM, ['group', 'creation'], 'added-group-account'),
  '4732': C(IAM, ['group', 'change'], 'added-member-to-group'),
  '4733': C(IAM, ['group', 'change'], 'removed-member-from-group'),
  '4734': C(IAM, ['group', 'deletion'], 'deleted-group-account'),
  '4735': C(IAM, ['group', 'change'], 'modified-group-account'),
  '4737': C(IAM, ['group', 'change'], 'modified-group-account'),
  '4738': C(IAM, ['user', 'change'], 'modified-user-account'),
  '4739': C(['configuration'], ['change'], 'domain-policy-changed'),
  '4740': C(IAM, ['user', 'change'], 'locked-out-user-account'),
  '4741': C(IAM, ['creation', 'admin'], 'added-computer-account'),
  '4742': C(IAM, ['change', 'admin'], 'changed-computer-account'),
  '4743': C(IAM, ['deletion', 'admin'], 'deleted-computer-account'),
  '4744': C(IAM, ['group', 'creation'], 'added-distribution-group-account'),
  '4745': C(IAM, ['group', 'change'], 'changed-distribution-group-account'),
  '4746': C(IAM, ['group', 'change'], 'added-member-to-distribution-group'),
  '4747': C(IAM, ['group', 'change'], 'removed-member-from-distribution-group'),
  '4748': C(IAM, ['group', 'deletion'], 'deleted-distribution-group-account'),
  '4749': C(IAM, ['group', 'creation'], 'added-distribution-group-account'),
  '4750': C(IAM, ['group', 'change'], 'changed-distribution-group-account'),
  '4751': C(IAM, ['group', 'change'], 'added-member-to-distribution-group'),
  '4752': C(IAM, ['group', 'change'], 'removed-member-from-distribution-group'),
  '4753': C(IAM, ['group', 'deletion'], 'deleted-distribution-group-account'),
  '4754': C(IAM, ['group', 'creation'], 'added-group-account'),
  '4755': C(IAM, ['group', 'change'], 'modified-group-account'),
  '4756': C(IAM, ['group', 'change'], 'added-member-to-group'),
  '4757': C(IAM, ['group', 'change'], 'removed-member-from-group'),
  '4758': C(IAM, ['group', 'deletion'], 'deleted-group-account'),
  '4759': C(IAM, ['group', 'creation'], 'added-distribution-group-account'),
  '4760': C(IAM, ['group', 'change'], 'changed-distribution-group-account'),
  '4761': C(IAM, ['group', 'change'], 'added-member-to-distribution-group'),
  '4762': C(IAM, ['group', 'change'], 'removed-member-from-distribution-group'),
  '4763': C(IAM, ['group', 'deletion'], 'deleted-distribution-group-account'),
  '4764': C(IAM, ['group', 'change'], 'type-changed-group-account'),
  '4767': C(IAM, ['user', 'change'], 'unlocked-user-account'),
  '4768': C(AUTH, ['start'], 'kerberos-authentication-ticket-requested'),
  '4769': C(AUTH, ['start'], 'kerberos-service-ticket-requested'),
  '4770': C(AUTH, ['start'], 'kerberos-service-ticket-renewed'),
  '4771': C(AUTH, ['start'], 'kerberos-preauth-failed', 'failure'),
  '4776': C(AUTH, ['start'], 'credential-validated'),
  '4778': C(['authentication', 'session'], ['start'], 'session-reconnected', 'success'),
  '4779': C(['authentication', 'session'], ['end'], 'session-disconnected', 'success'),
  '4781': C(IAM, ['user', 'change'], 'renamed-user-account'),
  '4798': C(IAM, ['user', 'info'], 'group-membership-enumerated'),
  '4799': C(IAM, ['group', 'info'], 'user-member-enumerated'),
  '4800': C(AUTH, ['info'], 'workstation-locked', 'success'),
  '4801': C(AUTH, ['info'], 'workstation-unlocked', 'success'),
  '4817': C(['iam', 'configuration'], ['admin', 'change'], 'object-audit-changed'),
  '4902': C(['iam', 'configuration'], ['admin', 'creation'], 'user-audit-policy-created'),
  '4904': C(['iam', 'configuration'], ['admin', 'change'], 'security-event-source-added'),
  '4905': C(['iam', 'configuration'], ['admin', 'deletion'], 'security-event-source-removed'),
  '4906': C(['iam', 'configuration'], ['admin', 'change'], 'crash-on-audit-changed'),
  '4907': C(['iam', 'configuration'], ['admin', 'change'], 'audit-setting-changed'),
  '4908': C(['iam', 'configuration'], ['admin', 'change'], 'special-group-table-changed'),
  '4912': C(['iam', 'configuration'], ['admin', 'change'], 'per-user-audit-policy-changed'),
  '4946': C(['configuration'], ['creation'], 'windows-firewall-rule-added'),
  '4947': C(['configuration'], ['change'], 'windows-firewall-rule-modified'),
  '4948': C(['configuration'], ['deletion'], 'windows-firewall-rule-deleted'),
  '4950': C(['configuration'], ['change'], 'windows-firewall-setting-changed'),
  '4954': C(['configuration'], ['change'], 'windows-firewall-group-policy-changed'),
  '4964': C(IAM, ['admin', 'group'], 'logged-in-special'),
  '5024': C(['process'], ['start'], 'windows-firewall-service-started'),
  '5025': C(['process'], ['end'], 'windows-firewall-service-stopped'),
  '5033': C(['driver'], ['start'], 'windows-firewall-driver-started'),
  '5034': C(['driver'], ['end'], 'windows-firewall-driver-stopped'),
  '5037': C(['driver'], ['end'], 'windows-firewall-driver-error'),
  '5140': C(['network', 'file'], ['info', 'access'], 'network-share-object-accessed'),
  '5142': C(['network', 'file'], ['creation'], 'network-share-object-added'),
  '5143': C(['network', 'file'], ['change'], 'network-share-object-modified'),
  '5144': C(['network', 'file'], ['deletion'], 'network-share-object-deleted'),
  '5145': C(['network', 'file'], ['info', 'access'], 'network-share-object-access-checked'),
  '5156': C(['network'], ['connection', 'allowed'], 'windows-firewall-connection-allowed', 'success'),
  '5157': C(['network'], ['connection', 'denied'], 'windows-firewall-connection-blocked', 'failure'),
  '5158': C(['network'], ['connection', 'allowed'], 'windows-firewall-bind-allowed', 'success'),
  '5159': C(['network'], ['connection', 'denied'], 'windows-firewall-bind-blocked', 'failure'),
};

const SERVICE_TYPES: Record<string, string> = {
  '0x1': 'Kernel Driver', '0x2': 'File System Driver', '0x8': 'Recognizer Driver', '0x10': 'Win32 Own Process',
  '0x20': 'Win32 Share Process', '0x110': 'Interactive Own Process', '0x120': 'Interactive Share Process',
};

const LOGON_TYPES: Record<string, string> = {
  '2': 'Interactive', '3': 'Network', '4': 'Batch', '5': 'Service', '7': 'Unlock', '8': 'NetworkCleartext',
  '9': 'NewCredentials', '10': 'RemoteInteractive', '11': 'CachedInteractive',
};

/** Events whose Target* account is the one acting (logons); in management events it is the object. */
const TARGET_IS_ACTOR = new Set(['4624', '4625', '4634', '4647', '4648', '4768', '4769', '4770', '4771', '4776', '4778', '4779', '4800', '4801']);
const GROUP_EVENTS = /^47(2[7-9]|3[0-7]|4[4-9]|5[0-9]|6[0-4])$/;

const PROCESS: FieldPrefix = ['process'];
const PARENT: FieldPrefix = ['process', 'parent'];
const AUDIT_SUCCESS = /Audit Success|0x8020000000000000|-9214364837600034816/i;
const AUDIT_FAILURE = /Audit Failure|0x8010000000000000|-9218868437227405312/i;
const WFP_EVENTS = /^51(5[2-9])$/;
const TASK_EVENTS: ReadonlySet<string> = new Set(['4698', '4699', '4700', '4701', '4702']);

/** `holder[key].name/domain/id` of one account (user, user.effective, user.target, group). */
function putAccount(holder: EcsEvent, key: string, name: string, domain: string | undefined, id: string | undefined): void {
  const account = objectAt(holder, key);
  account.name = name;
  if (domain !== undefined) account.domain = domain;
  if (id !== undefined) account.id = id;
}

export function mapSecurity(raw: RawRecord, ev: WindowsEvent): EcsEvent {
  const doc = startWindowsEvent(raw, ev, 'system', DATASET);
  const event = doc.event as EcsEvent;
  const d = ev.data;
  const id = ev.eventId ?? '';
  const data = new EventDataReader(d);
  const take = (k: string): string | undefined => data.take(k);
  const cat = CATEGORIES[id];
  if (cat) {
    event.category = [...cat.category];
    event.type = [...cat.type];
    event.action = cat.action;
    if (cat.outcome) event.outcome = cat.outcome;
  }
  if (cat?.outcome === undefined && ev.keywords) {
    if (AUDIT_SUCCESS.test(ev.keywords)) event.outcome = 'success';
    else if (AUDIT_FAILURE.test(ev.keywords)) event.outcome = 'failure';
  }

  const subject = {
    name: take('SubjectUserName'),
    domain: take('SubjectDomainName'),
    id: take('SubjectUserSid'),
    logon: take('SubjectLogonId'),
  };
  const target = {
    name: take('TargetUserName'),
    domain: take('TargetDomainName'),
    id: take('TargetUserSid') ?? take('TargetSid'),
    logon: take('TargetLogonId'),
  };
  if (TARGET_IS_ACTOR.has(id) && target.name) {
    putAccount(doc, 'user', target.name, target.domain, target.id);
    if (subject.name && subject.name !== target.name) putAccount(objectAt(doc, 'user'), 'effective', subject.name, subject.domain, subject.id);
  } else {
    if (subject.name) putAccount(doc, 'user', subject.name, subject.domain, subject.id);
    if (target.name && GROUP_EVENTS.test(id)) putAccount(doc, 'group', target.name, target.domain, target.id);
    else if (target.name) putAccount(objectAt(doc, 'user'), 'target', target.name, target.domain, target.id);
  }
  const member = take('MemberName');
  if (member) {
    const cn = /^CN=([^,]+)/i.exec(member);
    objectAt(objectAt(doc, 'user'), 'target').name = cn ? cn[1] : member;
  }
  const memberSid = take('MemberSid');
  if (memberSid !== undefined) objectAt(objectAt(doc, 'user'), 'target').id = memberSid;
  const logonId = target.logon ?? subject.logon;
  if (logonId !== undefined) objectPath(doc, ['winlog', 'logon']).id = logonId;
  const logonType = take('LogonType');
  if (logonType) objectPath(doc, ['winlog', 'logon']).type = LOGON_TYPES[logonType] ?? logonType;
  if (id === '4625' || id === '4771' || id === '4776') {
    put(doc, 'winlog.logon.failure.status', take('Status'));
    put(doc, 'winlog.logon.failure.sub_status', take('SubStatus'));
    put(doc, 'winlog.logon.failure.reason', take('FailureReason'));
  }

  // Network peer of logons and Kerberos/NTLM requests.
  const ip = take('IpAddress') ?? take('ClientAddress');
  if (ip) {
    const clean = ip.replace(/^::ffff:/i, '');
    if (isIp(clean)) objectAt(doc, 'source').ip = clean;
  }
  const port = toNumber(take('IpPort') ?? take('ClientPort'));
  if (port !== undefined) objectAt(doc, 'source').port = port;
  const ws = take('WorkstationName') ?? take('Workstation');
  if (ws) objectAt(doc, 'source').domain = ws.replace(/^\\\\/, '');

  // Processes.
  if (id === '4688') {
    putExecutable(doc, PROCESS, take('NewProcessName'));
    const pid = toNumber(take('NewProcessId'));
    if (pid !== undefined) objectAt(doc, 'process').pid = pid;
    putCommandLine(doc, PROCESS, take('CommandLine'));
    putExecutable(doc, PARENT, take('ParentProcessName'));
    const parentPid = toNumber(take('ProcessId'));
    if (parentPid !== undefined) objectPath(doc, PARENT).pid = parentPid;
  } else {
    putExecutable(doc, PROCESS, take('ProcessName') ?? take('Application') ?? take('NewProcessName'));
    const pid = toNumber(take('ProcessId') ?? take('ProcessID'));
    if (pid !== undefined) objectAt(doc, 'process').pid = pid;
  }
  // Windows Filtering Platform.
  if (WFP_EVENTS.test(id)) {
    put(doc, 'source.ip', take('SourceAddress'));
    put(doc, 'source.port', toNumber(take('SourcePort')));
    put(doc, 'destination.ip', take('DestAddress'));
    put(doc, 'destination.port', toNumber(take('DestPort')));
    const proto = take('Protocol');
    if (proto) {
      const network = objectAt(doc, 'network');
      network.iana_number = proto;
      const name = transportName(Number(proto));
      if (name) network.transport = name;
    }
    const dir = take('Direction');
    if (dir === '%%14592') objectAt(doc, 'network').direction = 'inbound';
    else if (dir === '%%14593') objectAt(doc, 'network').direction = 'outbound';
  }
  // Shares, scheduled tasks, services.
  if (take('RelativeTargetName')) objectAt(doc, 'file').path = `${d.ShareName ?? ''}\\${d.RelativeTargetName}`;
  const service = take('ServiceName');
  if (service !== undefined) objectAt(doc, 'service').name = service;
  const serviceType = take('ServiceType');
  if (serviceType) put(doc, 'service.type', SERVICE_TYPES[serviceType.toLowerCase()] ?? serviceType);
  if (id === '4697') put(doc, 'file.path', take('ServiceFileName'));
  if (TASK_EVENTS.has(id)) put(doc, 'winlog.event_data.TaskName', d.TaskName);
  putEventData(doc, d, data.used);
  fillWindowsRelated(doc);
  return doc;
}

export function parseSecurity(raw: RawRecord): ParseResult {
  return parseWindowsEvent(raw, DATASET, mapSecurity);
}

export const securityParser: Parser = { dataset: DATASET, parse: parseSecurity };
