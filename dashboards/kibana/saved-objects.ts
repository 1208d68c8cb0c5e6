// Kibana 8.x saved objects for Vigil's Elasticsearch indices: data views over the event data
// streams (logs-vigil.*), the alerts index and the incidents index, aggregation-based
// visualisations, and one dashboard. `vigil.ndjson` beside this file is this module's output
// (regenerate with `node --import tsx dashboards/kibana/saved-objects.ts > dashboards/kibana/vigil.ndjson`);
// a test keeps the two equal and checks every reference resolves.
import { pathToFileURL } from 'node:url';

export interface SavedObject {
  type: 'index-pattern' | 'visualization' | 'dashboard';
  id: string;
  attributes: Record<string, unknown>;
  references: Array<{ name: string; type: string; id: string }>;
  coreMigrationVersion: string;
  typeMigrationVersion: string;
  managed: boolean;
}

const core = '8.8.0';

export const dataViewIds = { events: 'vigil-events', alerts: 'vigil-alerts', incidents: 'vigil-incidents' } as const;

function dataView(id: string, title: string, name: string, timeFieldName: string): SavedObject {
  return {
    type: 'index-pattern',
    id,
    attributes: { title, name, timeFieldName, fieldAttrs: '{}', fieldFormatMap: '{}', runtimeFieldMap: '{}', sourceFilters: '[]' },
    references: [],
    coreMigrationVersion: core,
    typeMigrationVersion: '8.0.0',
    managed: false,
  };
}

type Agg = { id: string; type: string; schema: string; params: Record<string, unknown> };

const count: Agg = { id: '1', type: 'count', schema: 'metric', params: {} };
const terms = (id: string, field: string, schema: string, size: number): Agg => ({
  id,
  type: 'terms',
  schema,
  params: { field, size, order: 'desc', orderBy: '1', otherBucket: false, missingBucket: false },
});
const dateHistogram = (field: string): Agg => ({
  id: '2',
  type: 'date_histogram',
  schema: 'segment',
  params: { field, interval: 'auto', min_doc_count: 1, extended_bounds: {}, useNormalizedEsInterval: true },
});

function barParams(type: 'histogram' | 'horizontal_bar'): Record<string, unknown> {
  const horizontal = type === 'horizontal_bar';
  return {
    type,
    addLegend: true,
    addTooltip: true,
    legendPosition: 'right',
    seriesParams: [{ show: true, type: 'histogram', mode: 'stacked', data: { label: 'Count', id: '1' }, valueAxis: 'ValueAxis-1' }],
    categoryAxes: [{ id: 'CategoryAxis-1', type: 'category', position: horizontal ? 'left' : 'bottom', show: true, labels: { show: true, truncate: 100 }, title: {} }],
    valueAxes: [
      { id: 'ValueAxis-1', name: 'LeftAxis-1', type: 'value', position: horizontal ? 'bottom' : 'left', show: true, labels: { show: true, rotate: 0, filter: false, truncate: 100 }, title: { text: 'Count' } },
    ],
    grid: { categoryLines: false },
    times: [],
  };
}

const visParams: Record<string, (type: string) => Record<string, unknown>> = {
  histogram: () => barParams('histogram'),
  horizontal_bar: () => barParams('horizontal_bar'),
  pie: () => ({ type: 'pie', addTooltip: true, addLegend: true, legendPosition: 'right', isDonut: true, labels: { show: false, values: true, last_level: true, truncate: 100 } }),
  table: () => ({ perPage: 10, showPartialRows: false, showMetricsAtAllLevels: false, showTotal: false, totalFunc: 'sum', percentageCol: '' }),
};

function visualization(id: string, title: string, type: 'histogram' | 'horizontal_bar' | 'pie' | 'table', dataViewId: string, aggs: Agg[]): SavedObject {
  return {
    type: 'visualization',
    id,
    attributes: {
      title,
      description: '',
      version: 1,
      uiStateJSON: '{}',
      visState: JSON.stringify({ title, type, aggs: aggs.map((a) => ({ ...a, enabled: true })), params: visParams[type](type) }),
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [], indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index' }),
      },
    },
    references: [{ name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: dataViewId }],
    coreMigrationVersion: core,
    typeMigrationVersion: '8.5.0',
    managed: false,
  };
}

function dashboard(id: string, title: string, panels: Array<{ vis: SavedObject; x: number; y: number; w: number; h: number }>): SavedObject {
  return {
    type: 'dashboard',
    id,
    attributes: {
      title,
      description: 'Vigil SOC overview: alert volume by severity, incidents by state, grade and category, top rules and hosts.',
      version: 1,
      timeRestore: true,
      timeFrom: 'now-7d',
      timeTo: 'now',
      refreshInterval: { pause: true, value: 60_000 },
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, syncCursor: true, syncTooltips: false, hidePanelTitles: false }),
      panelsJSON: JSON.stringify(
        panels.map((p, i) => ({
          version: core,
          type: 'visualization',
          gridData: { x: p.x, y: p.y, w: p.w, h: p.h, i: String(i + 1) },
          panelIndex: String(i + 1),
          embeddableConfig: { enhancements: {} },
          panelRefName: `panel_${i + 1}`,
        })),
      ),
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] }) },
    },
    references: panels.map((p, i) => ({ name: `panel_${i + 1}`, type: 'visualization', id: p.vis.id })),
    coreMigrationVersion: core,
    typeMigrationVersion: '8.7.0',
    managed: false,
  };
}

export function vigilSavedObjects(): SavedObject[] {
  const views = [
    dataView(dataViewIds.events, 'logs-vigil.*', 'Vigil events', '@timestamp'),
    dataView(dataViewIds.alerts, 'vigil-alerts', 'Vigil alerts', 'detectedAt'),
    dataView(dataViewIds.incidents, 'vigil-incidents', 'Vigil incidents', 'createdAt'),
  ];
  const alertVolume = visualization('vigil-alert-volume-by-severity', 'Vigil: alert volume by severity', 'histogram', dataViewIds.alerts, [
    count,
    dateHistogram('detectedAt'),
    terms('3', 'severity', 'group', 5),
  ]);
  const byState = visualization('vigil-incidents-by-state', 'Vigil: incidents by state', 'pie', dataViewIds.incidents, [count, terms('2', 'state', 'segment', 10)]);
  const byGrade = visualization('vigil-incidents-by-grade', 'Vigil: incidents by grade (GB/T 20986)', 'histogram', dataViewIds.incidents, [count, terms('2', 'grade', 'segment', 5)]);
  const byCategory = visualization('vigil-incidents-by-category', 'Vigil: incidents by category (GB/T 20986)', 'horizontal_bar', dataViewIds.incidents, [
    count,
    terms('2', 'category', 'segment', 10),
  ]);
  const topRules = visualization('vigil-top-rules', 'Vigil: top rules by alerts', 'table', dataViewIds.alerts, [count, terms('2', 'ruleTitle', 'bucket', 10)]);
  const topHosts = visualization('vigil-top-hosts', 'Vigil: top hosts by alerts', 'table', dataViewIds.alerts, [count, terms('2', 'entities.hosts', 'bucket', 10)]);
  const eventVolume = visualization('vigil-event-volume-by-dataset', 'Vigil: events by dataset', 'histogram', dataViewIds.events, [
    count,
    dateHistogram('@timestamp'),
    terms('3', 'event.dataset', 'group', 10),
  ]);
  const vis = [alertVolume, byState, byGrade, byCategory, topRules, topHosts, eventVolume];
  const board = dashboard('vigil-soc-overview', 'Vigil SOC overview', [
    { vis: alertVolume, x: 0, y: 0, w: 48, h: 14 },
    { vis: byState, x: 0, y: 14, w: 16, h: 14 },
    { vis: byGrade, x: 16, y: 14, w: 16, h: 14 },
    { vis: byCategory, x: 32, y: 14, w: 16, h: 14 },
    { vis: topRules, x: 0, y: 28, w: 24, h: 15 },
    { vis: topHosts, x: 24, y: 28, w: 24, h: 15 },
    { vis: eventVolume, x: 0, y: 43, w: 48, h: 14 },
  ]);
  return [...views, ...vis, board];
}

export function toNdjson(objects: readonly SavedObject[]): string {
  return `${objects.map((o) => JSON.stringify(o)).join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(toNdjson(vigilSavedObjects()));
