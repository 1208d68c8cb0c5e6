import { describe, expect, it } from 'vitest';
import { candidatePaths, compilePath, createFieldResolver, parsePipeline } from '../../detection/pipelines/index.ts';
import { bundledPipelines, parseRule } from './helpers.ts';

const processCreation = parseRule(`
title: t
logsource: { product: windows, category: process_creation }
detection: { sel: { Image|endswith: '\\cmd.exe' }, condition: sel }
`);
const webRule = parseRule(`
title: w
logsource: { category: webserver }
detection: { sel: { c-uri|contains: '/etc/passwd' }, condition: sel }
`);

describe('bundled field mapping pipelines', () => {
  const pipelines = bundledPipelines();
  const resolve = createFieldResolver(pipelines);

  it('loads every file in rules/pipelines', () => {
    expect(pipelines.map((p) => p.name).sort()).toEqual(['ecs-cloud', 'ecs-linux', 'ecs-network', 'ecs-web', 'ecs-windows', 'placeholders']);
  });

  it('reads Windows process_creation fields from ECS, winlogbeat, evtx_dump and flat NXLog events', () => {
    const image = resolve('Image', processCreation);
    expect(image({ process: { executable: 'C:\\Windows\\System32\\cmd.exe' } })).toBe('C:\\Windows\\System32\\cmd.exe');
    expect(image({ 'process.executable': 'C:\\a.exe' })).toBe('C:\\a.exe');
    expect(image({ winlog: { event_data: { Image: 'C:\\b.exe' } } })).toBe('C:\\b.exe');
    expect(image({ Event: { EventData: { Image: 'C:\\c.exe' } } })).toBe('C:\\c.exe');
    expect(image({ Image: 'C:\\d.exe' })).toBe('C:\\d.exe');
    // Security 4688 names the image NewProcessName.
    expect(image({ NewProcessName: 'C:\\e.exe' })).toBe('C:\\e.exe');
    expect(image({ other: 1 })).toBeUndefined();
  });

  it('prefers the mapped ECS field over the raw name', () => {
    const cmd = resolve('CommandLine', processCreation);
    expect(cmd({ process: { command_line: 'ecs' }, CommandLine: 'raw' })).toBe('ecs');
  });

  it('reads EventID and Provider_Name from evtx_dump #text / #attributes shapes', () => {
    const eventId = resolve('EventID', processCreation);
    expect(eventId({ Event: { System: { EventID: { '#attributes': { Qualifiers: 0 }, '#text': 4688 } } } })).toBe(4688);
    expect(eventId({ event: { code: '1' } })).toBe('1');
    const provider = resolve('Provider_Name', processCreation);
    expect(provider({ Event: { System: { Provider: { '#attributes': { Name: 'Microsoft-Windows-Sysmon' } } } } })).toBe(
      'Microsoft-Windows-Sysmon',
    );
  });

  it('maps web server W3C names to ECS url/http fields, falling back to the raw name', () => {
    const uri = resolve('c-uri', webRule);
    expect(uri({ url: { original: '/a?b' } })).toBe('/a?b');
    expect(uri({ 'c-uri': '/raw' })).toBe('/raw');
    expect(candidatePaths(pipelines, webRule.logsource, 'sc-status')[0]).toBe('http.response.status_code');
  });

  it('does not apply Windows tables to rules of other products', () => {
    expect(candidatePaths(pipelines, webRule.logsource, 'Image')).not.toContain('process.executable');
    expect(candidatePaths(pipelines, { product: 'linux', category: 'process_creation' }, 'Image')[0]).toBe('process.executable');
  });
});

describe('compilePath', () => {
  it('reads nested, dotted-literal and array paths', () => {
    expect(compilePath('a.b.c')({ a: { 'b.c': 1 } })).toBe(1);
    expect(compilePath('dns.answers.data')({ dns: { answers: [{ data: 'x' }, { data: 'y' }] } })).toEqual(['x', 'y']);
    expect(compilePath('constructor')({})).toBeUndefined();
  });
});

describe('pipeline validation', () => {
  it('names the file and the YAML path of each problem', () => {
    const { pipeline, errors } = parsePipeline(
      'name: bad\nmappings:\n  - logsource: { os: windows }\n    fields: { Image: 3 }\nroutes:\n  - when: {}\n',
      'rules/pipelines/bad.yml',
    );
    expect(pipeline).toBeUndefined();
    const messages = errors.map((e) => e.message);
    expect(messages).toContain('rules/pipelines/bad.yml mappings[0].logsource.os: unknown logsource key (known: product, category, service)');
    expect(messages.some((m) => m.includes('routes[0].when'))).toBe(true);
    expect(errors.every((e) => e.code === 'CONFIG_INVALID')).toBe(true);
  });

  it('reports YAML syntax errors with line and column', () => {
    const { errors } = parsePipeline('name: [unclosed\n', 'x.yml');
    expect(errors[0].location?.source).toBe('x.yml');
    expect(errors[0].location?.line).toBeGreaterThan(0);
  });
});
