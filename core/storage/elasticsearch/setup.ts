// Creates what Vigil needs on the cluster, in dependency order: the ILM policy, the component and
// index templates of the event data streams, then the store indices. Each step names the
// privilege it needs, so a 403 says exactly what to grant. Re-running is harmless: policies and
// templates are replaced with the same content, existing indices are left as they are.
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import { esErrorInfo, type Need, translateEsError } from './es-errors.ts';
import {
  ecsComponentTemplate,
  type EsLayout,
  eventsIndexTemplate,
  ilmPolicy,
  settingsComponentTemplate,
  storeIndexMappings,
  storeIndices,
} from './templates.ts';

export interface SetupOptions {
  /** Create the ILM policy and the templates; false when an operator manages them. @default true */
  manageTemplates?: boolean;
  logger?: Logger;
}

async function step<T>(need: Need, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw translateEsError(err, `setup: ${need.what}`, need);
  }
}

export async function ensureLayout(client: Client, layout: EsLayout, opts: SetupOptions = {}): Promise<void> {
  if (opts.manageTemplates !== false) {
    await step({ privilege: 'manage_ilm', kind: 'cluster', what: `create ILM policy ${layout.ilmPolicy}` }, () =>
      client.ilm.putLifecycle({ name: layout.ilmPolicy, policy: ilmPolicy(layout) }),
    );
    const templateNeed = (name: string): Need => ({
      privilege: 'manage_index_templates',
      kind: 'cluster',
      what: `create index template ${name}`,
    });
    await step(templateNeed(layout.settingsComponent), () =>
      client.cluster.putComponentTemplate({ name: layout.settingsComponent, template: settingsComponentTemplate(layout) }),
    );
    await step(templateNeed(layout.ecsComponent), () =>
      client.cluster.putComponentTemplate({ name: layout.ecsComponent, template: ecsComponentTemplate() }),
    );
    await step(templateNeed(layout.eventsTemplate), () =>
      client.indices.putIndexTemplate({ name: layout.eventsTemplate, ...eventsIndexTemplate(layout) }),
    );
  }
  for (const name of storeIndices) {
    const index = layout.indices[name];
    await step({ privilege: 'create_index', kind: 'index', on: `${layout.prefix}-*`, what: `create index ${index}` }, async () => {
      try {
        await client.indices.create({ index, mappings: storeIndexMappings(name) });
        opts.logger?.info({ index }, 'elasticsearch: index created');
      } catch (err) {
        if (esErrorInfo(err).type === 'resource_already_exists_exception') return;
        throw err;
      }
    });
  }
}

/** Removes everything ensureLayout made (test clusters; `dropOnClose`). Missing pieces are skipped. */
export async function dropLayout(client: Client, layout: EsLayout): Promise<void> {
  const ignore = { ignore: [404] };
  await client.indices.deleteDataStream({ name: layout.eventsPattern, expand_wildcards: 'all' }, ignore);
  await client.indices.delete({ index: Object.values(layout.indices), ignore_unavailable: true }, ignore);
  await client.indices.deleteIndexTemplate({ name: layout.eventsTemplate }, ignore);
  await client.cluster.deleteComponentTemplate({ name: layout.ecsComponent }, ignore);
  await client.cluster.deleteComponentTemplate({ name: layout.settingsComponent }, ignore);
  await client.ilm.deleteLifecycle({ name: layout.ilmPolicy }, ignore);
}
