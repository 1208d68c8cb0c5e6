import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { checkServices } from '../../core/services/check.ts';
import { runVigil } from '../helpers/server.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
function yamlFile(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('configuration precedence', () => {
  it('uses the defaults with nothing set', () => {
    const cfg = loadConfig({ env: {} });
    expect(cfg.host).toBe('127.0.0.1');
    expect(cfg.port).toBe(8080);
    expect(cfg.dataDir).toBe('./data');
    expect(cfg.store).toBe('sqlite');
  });

  it('lets the YAML file override defaults, the environment override the file, and flags override both', () => {
    const file = yamlFile('p.yml', 'port: 9000\nhost: 0.0.0.0\nhttp:\n  bodyLimit: 2048\n');
    const fromFile = loadConfig({ env: {}, file });
    expect([fromFile.port, fromFile.host, fromFile.http.bodyLimit]).toEqual([9000, '0.0.0.0', 2048]);
    const fromEnv = loadConfig({ env: { VIGIL_PORT: '9100' }, file });
    expect([fromEnv.port, fromEnv.host]).toEqual([9100, '0.0.0.0']);
    const fromFlag = loadConfig({ env: { VIGIL_PORT: '9100' }, file, overrides: { port: '9200' } });
    expect(fromFlag.port).toBe(9200);
    expect(fromFlag.origin.port).toBe('flag');
  });

  it('reads the file named by VIGIL_CONFIG', () => {
    const file = yamlFile('env.yml', 'dataDir: /tmp/vigil-x\n');
    expect(loadConfig({ env: { VIGIL_CONFIG: file } }).dataDir).toBe('/tmp/vigil-x');
  });
});

describe('configuration errors name the key and the problem', () => {
  it('refuses an unknown key in the file', () => {
    const file = yamlFile('unknown.yml', 'elasticsearch:\n  urll: http://x\n');
    expect(() => loadConfig({ env: {}, file })).toThrow(/unknown\.yml: elasticsearch\.urll: unknown setting/);
  });

  it('refuses an unknown VIGIL_ environment variable', () => {
    expect(() => loadConfig({ env: { VIGIL_PROT: '1' } })).toThrow(/VIGIL_PROT: unknown setting/);
  });

  it('refuses a wrong type in the environment and in the file', () => {
    expect(() => loadConfig({ env: { VIGIL_PORT: 'eighty' } })).toThrow(/environment VIGIL_PORT: port: expected an integer, got "eighty"/);
    const file = yamlFile('type.yml', 'port: [1, 2]\n');
    expect(() => loadConfig({ env: {}, file })).toThrow(/type\.yml: port: expected an integer/);
    expect(() => loadConfig({ env: { VIGIL_STORE: 'mongo' } })).toThrow(/store: expected one of sqlite, elasticsearch, got "mongo"/);
    expect(() => loadConfig({ env: { VIGIL_PORT: '70000' } })).toThrow(/port: must be at most 65535/);
  });

  it('refuses YAML that does not parse, with line and column', () => {
    const file = yamlFile('bad.yml', 'port: 8080\n  host: x\n');
    expect(() => loadConfig({ env: {}, file })).toThrow(/bad\.yml:2:\d+: YAML syntax error/);
  });

  it('refuses settings that contradict each other', () => {
    expect(() => loadConfig({ env: { VIGIL_STORE: 'elasticsearch' } })).toThrow(/elasticsearch\.url: store is "elasticsearch" but VIGIL_ELASTICSEARCH_URL is not set/);
    expect(() => loadConfig({ env: { VIGIL_TLS: 'files' } })).toThrow(/tlsCert: tls is "files"/);
    expect(() => loadConfig({ env: { VIGIL_REDIS_URL: 'localhost:6379' } })).toThrow(/redisUrl: expected a redis:\/\//);
  });

  it('stops start-up when Redis cannot be reached, naming the setting', async () => {
    const port = await closedPort();
    const cfg = loadConfig({ env: { VIGIL_REDIS_URL: `redis://:hunter2@127.0.0.1:${port}`, VIGIL_DATA_DIR: dir } });
    const err = await checkServices(cfg).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(new RegExp(`redisUrl \\(VIGIL_REDIS_URL\\): cannot connect to redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    expect(err?.message).not.toContain('hunter2');
  });

  it('stops start-up when Elasticsearch cannot be reached, naming the setting', async () => {
    const port = await closedPort();
    const cfg = loadConfig({ env: { VIGIL_ELASTICSEARCH_URL: `http://127.0.0.1:${port}`, VIGIL_DATA_DIR: dir } });
    await expect(checkServices(cfg)).rejects.toThrow(new RegExp(`elasticsearch\\.url \\(VIGIL_ELASTICSEARCH_URL\\): cannot reach http://127\\.0\\.0\\.1:${port}`));
  });

  it('stops start-up when the TLS files cannot be read', async () => {
    const cfg = loadConfig({ env: { VIGIL_TLS_CERT: '/nonexistent/cert.pem', VIGIL_TLS_KEY: '/nonexistent/key.pem', VIGIL_DATA_DIR: dir } });
    await expect(checkServices(cfg)).rejects.toThrow(/tlsCert \(VIGIL_TLS_CERT\): cannot read \/nonexistent\/cert\.pem/);
  });

  it('stops start-up when the data directory cannot be created', async () => {
    const file = yamlFile('not-a-dir', 'x');
    const cfg = loadConfig({ env: { VIGIL_DATA_DIR: join(file, 'sub') } });
    await expect(checkServices(cfg)).rejects.toThrow(/dataDir \(VIGIL_DATA_DIR\): cannot use .*not-a-dir\/sub as the data directory/);
  });

  it('vigil serve prints one message and exits 1 on a configuration error', async () => {
    const r = await runVigil(['serve'], { VIGIL_PORT: 'x' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('vigil: configuration error: environment VIGIL_PORT: port: expected an integer, got "x"');
  });
});
