// Builds the enrichment stage from configuration: inventory, threat-intel files and GeoIP
// databases, each optional, applied in that order to every stored event.
import type { Enricher } from '../pipeline/pipeline.ts';
import { geoipEnricher, openGeoip } from './geoip.ts';
import { type IntelLoadError, IntelIndex, intelEnricher, loadIntelFile } from './intel.ts';
import { inventoryEnricher, loadInventory } from './inventory.ts';

export interface EnrichmentConfig {
  /** YAML or CSV inventory of assets and users. */
  inventory?: string;
  /** Indicator files: plain lists or STIX 2.1 bundles. */
  intel?: string[];
  /** MaxMind City (or Country) database. */
  geoipCity?: string;
  /** MaxMind ASN database. */
  geoipAsn?: string;
}

export interface EnrichmentStage {
  /** Undefined when nothing is configured. */
  enrich?: Enricher;
  /** What was loaded, for the startup log. */
  summary: { assets: number; users: number; indicators: number; geoip: string[] };
  /** Indicator entries skipped while loading (the others are used). */
  intelErrors: IntelLoadError[];
}

export async function loadEnrichment(config: EnrichmentConfig, now: Date = new Date()): Promise<EnrichmentStage> {
  const steps: Enricher[] = [];
  const summary: EnrichmentStage['summary'] = { assets: 0, users: 0, indicators: 0, geoip: [] };
  const intelErrors: IntelLoadError[] = [];
  if (config.inventory) {
    const inv = await loadInventory(config.inventory);
    summary.assets = inv.assets.length;
    summary.users = inv.users.length;
    steps.push(inventoryEnricher(inv));
  }
  if (config.intel?.length) {
    const index = new IntelIndex();
    for (const file of config.intel) {
      const r = await loadIntelFile(file, now);
      for (const ind of r.indicators) index.add(ind);
      intelErrors.push(...r.errors);
    }
    summary.indicators = index.size;
    steps.push(intelEnricher(index));
  }
  if (config.geoipCity || config.geoipAsn) {
    const readers = await openGeoip({ city: config.geoipCity, asn: config.geoipAsn });
    if (readers.city) summary.geoip.push('city');
    if (readers.asn) summary.geoip.push('asn');
    steps.push(geoipEnricher(readers));
  }
  const enrich: Enricher | undefined =
    steps.length === 0
      ? undefined
      : (ev) => {
          for (const step of steps) step(ev);
        };
  return { ...(enrich ? { enrich } : {}), summary, intelErrors };
}
