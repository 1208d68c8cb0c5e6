import { describe, expect, it } from 'vitest';
import { ecsFieldClass, ecsFieldIsArray, ecsFieldType, ecsVersion } from './ecs-fields.ts';

describe('ECS field catalogue', () => {
  it('knows the types of common fields', () => {
    expect(ecsFieldType('@timestamp')).toBe('date');
    expect(ecsFieldType('source.ip')).toBe('ip');
    expect(ecsFieldType('destination.port')).toBe('long');
    expect(ecsFieldType('event.outcome')).toBe('keyword');
    expect(ecsFieldType('message')).toBe('match_only_text');
    expect(ecsFieldType('source.geo.location')).toBe('geo_point');
    expect(ecsFieldType('process.command_line.text')).toBe('match_only_text');
    expect(ecsVersion).toMatch(/^\d+\.\d+/);
  });

  it('gives free-form object children their declared type and leaves unknown fields undefined', () => {
    expect(ecsFieldType('labels.env')).toBe('keyword');
    expect(ecsFieldType('vendor.custom_thing')).toBeUndefined();
    expect(ecsFieldType('source.nonexistent')).toBeUndefined();
  });

  it('classifies types for comparisons and marks array fields', () => {
    expect(ecsFieldClass('destination.bytes')).toBe('numeric');
    expect(ecsFieldClass('event.created')).toBe('date');
    expect(ecsFieldClass('user.name')).toBe('keyword');
    expect(ecsFieldClass('message')).toBe('text');
    expect(ecsFieldClass('nope.nope')).toBeUndefined();
    expect(ecsFieldIsArray('related.ip')).toBe(true);
    expect(ecsFieldIsArray('source.ip')).toBe(false);
  });
});
