// Nephometer's example transformer in JavaScript: unit scaling.
//
// Configuration (the `parameters` key, as in Ceilometer's `pipeline.yaml`):
//
//     {"target": {"name": "cpu.seconds", "unit": "s", "scale": 1e-9}}
//
// Every sample is renamed to `target.name`, gets unit `target.unit`, and has
// its volume multiplied by `target.scale`. Each of the three may be left out
// (the sample keeps its name or unit; the scale is 1). Other fields are
// untouched.
//
// Built with componentize-js by `guests/polyglot/build.sh` (see build.mjs).

import { get } from 'nephometer:telemetry/config@0.1.0';
import { log } from 'nephometer:telemetry/log@0.1.0';

const encoder = new TextEncoder();

/** {name: Uint8Array|null, unit: Uint8Array|null, scale: number}, set by init. */
let target = null;

/** A `component-error` for the `invalid-config` case; thrown values become `err`. */
function invalid(message) {
  return { tag: 'invalid-config', val: message };
}

/** The UTF-8 bytes of `object[key]`, null if absent; throws if not a string. */
function text(object, key) {
  if (!(key in object)) return null;
  const value = object[key];
  if (typeof value !== 'string' || value === '') {
    throw invalid(`parameters.target.${key} must be a non-empty string, not ${JSON.stringify(value)}`);
  }
  return encoder.encode(value);
}

function readTarget() {
  const json = get('parameters');
  if (json === undefined) {
    throw invalid('parameters: missing; expected {"target": {"name", "unit", "scale"}}');
  }
  let parameters;
  try {
    parameters = JSON.parse(json);
  } catch (e) {
    throw invalid(`parameters: not JSON: ${e.message}`);
  }
  const t = parameters !== null && typeof parameters === 'object' ? parameters.target : undefined;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) {
    throw invalid('parameters.target: missing or not an object');
  }
  const unknown = Object.keys(t).filter((k) => !['name', 'unit', 'scale'].includes(k)).sort();
  if (unknown.length > 0) {
    throw invalid(`parameters.target: unknown key '${unknown[0]}'`);
  }
  const scale = 'scale' in t ? t.scale : 1;
  if (typeof scale !== 'number') {
    throw invalid(`parameters.target.scale must be a number, not ${JSON.stringify(scale)}`);
  }
  return { name: text(t, 'name'), unit: text(t, 'unit'), scale };
}

/** The `transform` export. */
export const transform = {
  init() {
    target = readTarget();
    log('debug', `js-scale ready: scale ${target.scale}`);
  },

  handle(batch) {
    if (target === null) {
      throw { tag: 'other', val: 'handle called before init' };
    }
    // New strings are appended to the arena once per batch; every sample's
    // span points at the same bytes.
    const { name, unit, scale } = target;
    const extra = (name ? name.length : 0) + (unit ? unit.length : 0);
    const arena = new Uint8Array(batch.text.length + extra);
    arena.set(batch.text, 0);
    let end = batch.text.length;
    let nameSpan = null;
    let unitSpan = null;
    if (name) {
      nameSpan = { start: end, len: name.length };
      arena.set(name, end);
      end += name.length;
    }
    if (unit) {
      unitSpan = { start: end, len: unit.length };
      arena.set(unit, end);
    }
    for (const sample of batch.samples) {
      if (nameSpan) sample.name = nameSpan;
      if (unitSpan) sample.unit = unitSpan;
      sample.volume *= scale;
    }
    return { text: arena, samples: batch.samples };
  },

  flush() {
    return { text: new Uint8Array(0), samples: [] };
  },
};
