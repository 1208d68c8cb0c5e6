// Default incident grade (GB/T 20986-2023 I–IV) from the alert severity and the affected asset's
// criticality. The standard grades by the affected object's importance, the loss and the social
// impact; at detection time Vigil only knows the first (asset criticality from ingest enrichment)
// and a proxy for the second (severity), so this is a starting point an analyst changes with a
// reason. Grade I is never given automatically.
import { getPath } from '../../core/ecs.ts';
import type { Alert, Severity } from '../../core/storage/types.ts';
import type { Grade } from './classification.ts';

export const AssetCriticality = { low: 'low', medium: 'medium', high: 'high', critical: 'critical' } as const;
export type AssetCriticality = (typeof AssetCriticality)[keyof typeof AssetCriticality];
const criticalityRank: Record<AssetCriticality, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Rows: alert severity; columns: asset criticality low, medium, high, critical. */
export const gradeMatrix: Record<Severity, Record<AssetCriticality, Grade>> = {
  critical: { low: 'III', medium: 'III', high: 'II', critical: 'II' },
  high: { low: 'IV', medium: 'IV', high: 'III', critical: 'III' },
  medium: { low: 'IV', medium: 'IV', high: 'IV', critical: 'III' },
  low: { low: 'IV', medium: 'IV', high: 'IV', critical: 'IV' },
  informational: { low: 'IV', medium: 'IV', high: 'IV', critical: 'IV' },
};

/** The ECS field ingest enrichment fills from the asset inventory. */
export const assetCriticalityField = 'vigil.asset.criticality';

/** The highest criticality named in the alerts' event copies; undefined when none says. */
export function assetCriticalityOf(alerts: readonly Pick<Alert, 'events'>[]): AssetCriticality | undefined {
  let best: AssetCriticality | undefined;
  for (const a of alerts) {
    for (const e of a.events) {
      const raw = getPath(e, assetCriticalityField);
      const v = typeof raw === 'string' ? raw.toLowerCase() : undefined;
      if (v && v in criticalityRank) {
        const c = v as AssetCriticality;
        if (best === undefined || criticalityRank[c] > criticalityRank[best]) best = c;
      }
    }
  }
  return best;
}

/** Missing criticality counts as medium. */
export function defaultGrade(severity: Severity, criticality: AssetCriticality | undefined): Grade {
  return gradeMatrix[severity][criticality ?? 'medium'];
}
