// AWS CloudTrail records (one JSON object per line) → ECS, mirroring Elastic's aws.cloudtrail
// pipeline: identity → user/cloud, eventName → event.action and the ECS categorisation table.
import { type EcsEvent, getPath, isPlainObject, setPath } from '../../core/ecs.ts';
import { baseEvent, isIp, parseFailure, put } from './event-build.ts';
import type { Parser, ParseResult, RawRecord } from './types.ts';
import { formatInZone, parseIsoLike } from './zoned-time.ts';

const DATASET = 'aws.cloudtrail';

type Cat = [string[], string[]];
const IAM_USER_CHANGE: Cat = [['iam'], ['user', 'change']];
const IAM_GROUP_CHANGE: Cat = [['iam'], ['group', 'change']];
const IAM_USER_INFO: Cat = [['iam'], ['user', 'info']];
const IAM_GROUP_INFO: Cat = [['iam'], ['group', 'info']];
const IAM_ADMIN_CHANGE: Cat = [['iam'], ['admin', 'change']];

/** ECS categorisation by eventName (Elastic's table, plus session start/end). */
const CATEGORIES: Record<string, Cat> = {
  AddUserToGroup: IAM_GROUP_CHANGE,
  AssumeRole: [['authentication'], ['info']],
  AssumeRoleWithSAML: [['authentication'], ['info']],
  AssumeRoleWithWebIdentity: [['authentication'], ['info']],
  AttachGroupPolicy: IAM_GROUP_CHANGE,
  AttachUserPolicy: IAM_USER_CHANGE,
  ChangePassword: IAM_USER_CHANGE,
  ConsoleLogin: [['authentication'], ['info']],
  CreateAccessKey: IAM_USER_CHANGE,
  CreateBucket: [['file'], ['creation']],
  CreateGroup: [['iam'], ['group', 'creation']],
  CreateKeyPair: [['iam'], ['admin', 'creation']],
  CreateUser: [['iam'], ['user', 'creation']],
  CreateVirtualMFADevice: IAM_USER_CHANGE,
  DeactivateMFADevice: IAM_USER_CHANGE,
  DeleteAccessKey: IAM_USER_CHANGE,
  DeleteBucket: [['file'], ['deletion']],
  DeleteGroup: [['iam'], ['group', 'deletion']],
  DeleteGroupPolicy: IAM_GROUP_CHANGE,
  DeleteSSHPublicKey: IAM_USER_CHANGE,
  DeleteUser: [['iam'], ['user', 'deletion']],
  DeleteUserPermissionsBoundary: IAM_USER_CHANGE,
  DeleteUserPolicy: IAM_USER_CHANGE,
  DeleteVirtualMFADevice: IAM_USER_CHANGE,
  DetachGroupPolicy: IAM_GROUP_CHANGE,
  DetachUserPolicy: IAM_USER_CHANGE,
  EnableMFADevice: IAM_USER_CHANGE,
  GetGroup: IAM_GROUP_INFO,
  GetGroupPolicy: IAM_GROUP_INFO,
  GetUser: IAM_USER_INFO,
  GetUserPolicy: IAM_USER_INFO,
  ListAttachedGroupPolicies: IAM_GROUP_INFO,
  ListAttachedUserPolicies: IAM_USER_INFO,
  ListGroupPolicies: IAM_GROUP_INFO,
  ListGroups: IAM_GROUP_INFO,
  ListGroupsForUser: IAM_USER_INFO,
  ListUserPolicies: IAM_USER_INFO,
  ListUsers: IAM_USER_INFO,
  ListUserTags: IAM_USER_INFO,
  PutGroupPolicy: IAM_GROUP_CHANGE,
  PutUserPermissionsBoundary: IAM_USER_CHANGE,
  PutUserPolicy: IAM_USER_CHANGE,
  RemoveUserFromGroup: IAM_GROUP_CHANGE,
  SetDefaultPolicyVersion: IAM_ADMIN_CHANGE,
  SetSecurityTokenServicePreferences: IAM_ADMIN_CHANGE,
  StartSession: [['session'], ['start']],
  TerminateSession: [['session'], ['end']],
  TagUser: IAM_USER_CHANGE,
  UntagUser: IAM_USER_CHANGE,
  UpdateAccessKey: IAM_USER_CHANGE,
  UpdateAccountPasswordPolicy: IAM_ADMIN_CHANGE,
  UpdateGroup: IAM_GROUP_CHANGE,
  UpdateLoginProfile: IAM_USER_CHANGE,
  UpdateRole: IAM_ADMIN_CHANGE,
  UpdateSSHPublicKey: IAM_USER_CHANGE,
  UpdateUser: IAM_USER_CHANGE,
};

/** Java's Map.toString rendering, which Elastic stores beside the flattened object. */
function javaString(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(javaString).join(', ')}]`;
  if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${k}=${javaString(x)}`).join(', ')}}`;
  return String(v);
}

/** Drops null / '' values recursively, as the pipeline does before mapping. */
function dropEmpty(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out = v.map(dropEmpty).filter((x) => x !== undefined);
    return out.length ? out : undefined;
  }
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const y = dropEmpty(x);
      if (y !== undefined) out[k] = y;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return v === null || v === '' ? undefined : v;
}

function appendUnique(doc: EcsEvent, path: string, values: unknown[]): void {
  const cur = (getPath(doc, path) as unknown[] | undefined) ?? [];
  for (const v of values) if (typeof v === 'string' && v !== '' && !cur.includes(v)) cur.push(v);
  if (cur.length) setPath(doc, path, cur);
}

function iso(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  const text = compact ? `${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}Z` : v;
  const t = parseIsoLike(text);
  return t === undefined ? undefined : formatInZone(t);
}

export function parseCloudTrail(raw: RawRecord): ParseResult {
  if (raw.message.trim() === '') return { ok: true, events: [] };
  let parsed: unknown;
  try {
    parsed = raw.parsedMessage ?? JSON.parse(raw.message);
  } catch (e) {
    return parseFailure(raw, DATASET, `invalid JSON: ${(e as Error).message}`);
  }
  const cleaned = dropEmpty(parsed);
  if (!isPlainObject(cleaned)) return parseFailure(raw, DATASET, 'not a JSON object');
  // CloudTrail files delivered to S3 wrap records in {"Records": [...]}: one event each.
  const records = Array.isArray(cleaned.Records) ? cleaned.Records.filter(isPlainObject) : [cleaned];
  const events = records.map((r) => recordToEvent(raw, r));
  return { ok: true, events };
}

function recordToEvent(raw: RawRecord, j: Record<string, unknown>): EcsEvent {
  const doc = baseEvent(raw, 'aws', DATASET);
  setPath(doc, 'event.created', raw.receivedAt.toISOString());
  const ts = iso(j.eventTime);
  if (ts) setPath(doc, '@timestamp', ts);
  const ct = (path: string, v: unknown) => put(doc, `aws.cloudtrail.${path}`, v);
  ct('event_version', j.eventVersion);
  const ui = isPlainObject(j.userIdentity) ? j.userIdentity : {};
  ct('user_identity.type', ui.type);
  if (typeof ui.userName === 'string') {
    setPath(doc, 'user.name', ui.userName);
    appendUnique(doc, 'related.user', [ui.userName]);
  }
  put(doc, 'user.id', ui.principalId);
  ct('user_identity.arn', ui.arn);
  put(doc, 'cloud.account.id', ui.accountId);
  ct('user_identity.access_key_id', ui.accessKeyId);
  ct('user_identity.session_context.mfa_authenticated', getPath(ui, 'sessionContext.attributes.mfaAuthenticated'));
  ct('user_identity.session_context.creation_date', iso(getPath(ui, 'sessionContext.attributes.creationDate')));
  const issuer = getPath(ui, 'sessionContext.sessionIssuer');
  if (isPlainObject(issuer)) {
    ct('user_identity.session_context.session_issuer.type', issuer.type);
    put(doc, 'user.name', issuer.userName);
    ct('user_identity.session_context.session_issuer.principal_id', issuer.principalId);
    ct('user_identity.session_context.session_issuer.arn', issuer.arn);
    ct('user_identity.session_context.session_issuer.account_id', issuer.accountId);
  }
  ct('user_identity.invoked_by', ui.invokedBy);
  if (ui.type === 'AWSService' && typeof ui.invokedBy === 'string') setPath(doc, 'service.name', ui.invokedBy);
  const aed = isPlainObject(j.additionalEventData) ? j.additionalEventData : undefined;
  // Identity Center sign-ins name the user only in additionalEventData.
  if (getPath(doc, 'user.name') === undefined && typeof aed?.UserName === 'string') setPath(doc, 'user.name', aed.UserName);
  const userName = getPath(doc, 'user.name');
  if (typeof userName === 'string' && /^[^@\s]+@[^@\s]+$/.test(userName)) setPath(doc, 'user.email', userName);

  put(doc, 'event.provider', j.eventSource);
  put(doc, 'event.action', j.eventName);
  ct('event_category', j.eventCategory);
  put(doc, 'cloud.region', j.awsRegion);
  setPath(doc, 'cloud.provider', 'aws');
  if (typeof j.eventSource === 'string') setPath(doc, 'cloud.service.name', j.eventSource.split('.')[0]);
  if (typeof j.sourceIPAddress === 'string') {
    setPath(doc, 'source.address', j.sourceIPAddress);
    if (isIp(j.sourceIPAddress)) setPath(doc, 'source.ip', j.sourceIPAddress);
  }
  put(doc, 'user_agent.original', j.userAgent);
  ct('error_code', j.errorCode);
  ct('error_message', j.errorMessage);
  for (const [key, name] of [
    ['requestParameters', 'request_parameters'],
    ['responseElements', 'response_elements'],
    ['additionalEventData', 'additional_eventdata'],
    ['serviceEventDetails', 'service_event_details'],
  ] as const) {
    const v = j[key];
    if (v === undefined) continue;
    const text = javaString(v);
    ct(name, text);
    if (text.length < 32766) ct(`flattened.${name}`, v);
  }
  ct('request_id', j.requestID);
  put(doc, 'event.id', j.eventID);
  ct('event_type', j.eventType);
  ct('api_version', j.apiVersion);
  ct('management_event', j.managementEvent);
  ct('read_only', j.readOnly);
  if (Array.isArray(j.resources)) {
    const seen = new Map<string, EcsEvent>();
    for (const r of j.resources.filter(isPlainObject)) {
      const res: EcsEvent = {};
      put(res, 'arn', r.ARN ?? r.arn);
      put(res, 'account_id', r.accountId);
      put(res, 'type', r.type);
      seen.set(`${res.arn ?? ''}_${res.account_id ?? ''}_${res.type ?? ''}`, res);
    }
    if (seen.size) ct('resources', [...seen.values()]);
  }
  ct('recipient_account_id', j.recipientAccountId);
  ct('shared_event_id', j.sharedEventID ?? j.sharedEventId);
  ct('vpc_endpoint_id', j.vpcEndpointId);
  const req = isPlainObject(j.requestParameters) ? j.requestParameters : {};
  const resp = isPlainObject(j.responseElements) ? j.responseElements : {};
  appendUnique(doc, 'related.user', [req.userName, req.newUserName]);
  if (j.eventName === 'ConsoleLogin' && aed) {
    const cl: EcsEvent = {};
    if (aed.MobileVersion !== undefined) cl.mobile_version = aed.MobileVersion !== 'No';
    if (aed.LoginTo !== undefined) cl.login_to = aed.LoginTo;
    if (aed.MFAUsed !== undefined) cl.mfa_used = aed.MFAUsed !== 'No';
    if (Object.keys(cl).length) ct('console_login.additional_eventdata', cl);
  }

  setPath(doc, 'event.kind', 'event');
  setPath(doc, 'event.type', ['info']);
  setPath(doc, 'event.outcome', j.errorCode !== undefined || j.errorMessage !== undefined ? 'failure' : 'success');
  if (j.eventName === 'ConsoleLogin' && typeof resp.ConsoleLogin === 'string')
    setPath(doc, 'event.outcome', resp.ConsoleLogin.toLowerCase());
  const sed = isPlainObject(j.serviceEventDetails) ? j.serviceEventDetails : {};
  if (j.eventName === 'UserAuthentication' && typeof sed.UserAuthentication === 'string')
    setPath(doc, 'event.outcome', sed.UserAuthentication.toLowerCase());
  const cat = typeof j.eventName === 'string' ? CATEGORIES[j.eventName] : undefined;
  if (cat) {
    setPath(doc, 'event.category', [...cat[0]]);
    setPath(doc, 'event.type', [...cat[1]]);
  }

  put(doc, 'cloud.account.id', j.awsAccountId);
  put(doc, 'group.id', getPath(resp, 'group.groupId'));
  put(doc, 'user.target.id', getPath(resp, 'user.userId'));
  put(doc, 'user.changes.name', req.newUserName);
  put(doc, 'group.name', req.groupName);
  put(doc, 'user.target.name', req.userName);
  const tlsVersion = getPath(j, 'tlsDetails.tlsVersion');
  if (typeof tlsVersion === 'string') {
    const m = /^([A-Za-z]+)v(.+)$/.exec(tlsVersion);
    if (m) {
      setPath(doc, 'tls.version_protocol', m[1].toLowerCase());
      setPath(doc, 'tls.version', m[2]);
    }
  }
  put(doc, 'tls.cipher', getPath(j, 'tlsDetails.cipherSuite'));
  put(doc, 'tls.client.server_name', getPath(j, 'tlsDetails.clientProvidedHostHeader'));
  const ips = [getPath(doc, 'source.ip')].filter((v): v is string => typeof v === 'string');
  if (ips.length) setPath(doc, 'related.ip', ips);
  return doc;
}

export const cloudTrailParser: Parser = {
  dataset: DATASET,
  parse: parseCloudTrail,
  detect: (line) =>
    /^\s*\{/.test(line) && /"eventVersion"\s*:/.test(line) && /"eventSource"\s*:|"eventName"\s*:/.test(line),
};
