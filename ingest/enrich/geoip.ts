// GeoIP from MaxMind databases (GeoLite2/GeoIP2 City or Country, and ASN): source, destination,
// client and server IPs get ECS `*.geo.*` and `*.as.*`. Values already present are kept.
import { isIP } from 'node:net';
import maxmind, { type AsnResponse, type CityResponse, type Reader } from 'maxmind';
import { type EcsEvent, getPath, setPath } from '../../core/ecs.ts';
import { VigilError } from '../../core/errors.ts';
import type { Enricher } from '../pipeline/pipeline.ts';

export interface GeoipReaders {
  city?: Reader<CityResponse>;
  asn?: Reader<AsnResponse>;
}

const ENDPOINTS = ['source', 'destination', 'client', 'server'];

/** Opens the configured databases; a path that cannot be read or is not an MMDB is a config error. */
export async function openGeoip(paths: { city?: string; asn?: string }): Promise<GeoipReaders> {
  const open = async <T extends CityResponse | AsnResponse>(path: string, key: string): Promise<Reader<T>> => {
    try {
      return await maxmind.open<T>(path);
    } catch (err) {
      throw new VigilError('CONFIG_INVALID', `${path}: cannot open the MaxMind database: ${(err as Error).message}`, {
        source: 'config',
        path: key,
      });
    }
  };
  return {
    ...(paths.city ? { city: await open<CityResponse>(paths.city, 'enrich.geoipCity') } : {}),
    ...(paths.asn ? { asn: await open<AsnResponse>(paths.asn, 'enrich.geoipAsn') } : {}),
  };
}

/** ECS geo.* from a City/Country record ('en' names). */
export function geoFields(r: CityResponse): Record<string, unknown> {
  const geo: Record<string, unknown> = {};
  const set = (k: string, v: unknown): void => {
    if (v !== undefined && v !== null && v !== '') geo[k] = v;
  };
  set('city_name', r.city?.names?.en);
  set('continent_code', r.continent?.code);
  set('continent_name', r.continent?.names?.en);
  set('country_iso_code', r.country?.iso_code);
  set('country_name', r.country?.names?.en);
  const sub = r.subdivisions?.[0];
  if (sub) {
    // ECS region_iso_code is the ISO 3166-2 code: country and subdivision ('US-CA').
    set('region_iso_code', r.country?.iso_code && sub.iso_code ? `${r.country.iso_code}-${sub.iso_code}` : sub.iso_code);
    set('region_name', sub.names?.en);
  }
  set('postal_code', r.postal?.code);
  set('timezone', r.location?.time_zone);
  if (typeof r.location?.latitude === 'number' && typeof r.location?.longitude === 'number') {
    geo.location = { lat: r.location.latitude, lon: r.location.longitude };
  }
  return geo;
}

export function geoipEnricher(readers: GeoipReaders): Enricher {
  return (ev: EcsEvent) => {
    for (const prefix of ENDPOINTS) {
      const ip = getPath(ev, `${prefix}.ip`);
      if (typeof ip !== 'string' || isIP(ip) === 0) continue;
      if (readers.city && getPath(ev, `${prefix}.geo`) === undefined) {
        const rec = readers.city.get(ip);
        if (rec) {
          const geo = geoFields(rec);
          if (Object.keys(geo).length > 0) setPath(ev, `${prefix}.geo`, geo);
        }
      }
      if (readers.asn && getPath(ev, `${prefix}.as`) === undefined) {
        const rec = readers.asn.get(ip);
        if (rec && typeof rec.autonomous_system_number === 'number') {
          const as: Record<string, unknown> = { number: rec.autonomous_system_number };
          if (rec.autonomous_system_organization) as.organization = { name: rec.autonomous_system_organization };
          setPath(ev, `${prefix}.as`, as);
        }
      }
    }
  };
}
