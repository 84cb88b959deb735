"""Nephometer's example transformer in Python: unit scaling.

Configuration (the `parameters` key, as in Ceilometer's `pipeline.yaml`):

    {"target": {"name": "cpu.seconds", "unit": "s", "scale": 1e-9}}

Every sample is renamed to `target.name`, gets unit `target.unit`, and has its
volume multiplied by `target.scale`. Each of the three may be left out (the
sample keeps its name or unit; the scale is 1). Other fields are untouched.

Built with componentize-py by `guests/polyglot/build.sh`.
"""

import json

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import config, log
from wit_world.imports.types import (
    ComponentError_InvalidConfig,
    ComponentError_Other,
    SampleBatch,
    Span,
)

# (name bytes or None, unit bytes or None, scale), set by `init`.
_target = None


def _invalid(message):
    return Err(ComponentError_InvalidConfig(message))


def _text(target, key):
    """The UTF-8 bytes of `target[key]`, None if absent; raises if not a string."""
    if key not in target:
        return None
    value = target[key]
    if not isinstance(value, str) or not value:
        raise _invalid(f"parameters.target.{key} must be a non-empty string, not {json.dumps(value)}")
    return value.encode("utf-8")


def _read_target():
    text = config.get("parameters")
    if text is None:
        raise _invalid("parameters: missing; expected {\"target\": {\"name\", \"unit\", \"scale\"}}")
    try:
        parameters = json.loads(text)
    except ValueError as e:
        raise _invalid(f"parameters: not JSON: {e}")
    target = parameters.get("target") if isinstance(parameters, dict) else None
    if not isinstance(target, dict):
        raise _invalid("parameters.target: missing or not an object")
    unknown = sorted(set(target) - {"name", "unit", "scale"})
    if unknown:
        raise _invalid(f"parameters.target: unknown key {unknown[0]!r}")
    scale = target.get("scale", 1)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise _invalid(f"parameters.target.scale must be a number, not {json.dumps(scale)}")
    return (_text(target, "name"), _text(target, "unit"), float(scale))


class Transform(exports.Transform):
    """The `transform` export."""

    def init(self) -> None:
        global _target
        _target = _read_target()
        log.log(log.Level.DEBUG, f"python-scale ready: {_target!r}")

    def handle(self, batch: SampleBatch) -> SampleBatch:
        if _target is None:
            raise Err(ComponentError_Other("handle called before init"))
        name, unit, scale = _target
        # New strings are appended to the arena once per batch; every sample's
        # span points at the same bytes.
        text = bytearray(batch.text)
        name_span = unit_span = None
        if name is not None:
            name_span = Span(len(text), len(name))
            text += name
        if unit is not None:
            unit_span = Span(len(text), len(unit))
            text += unit
        for sample in batch.samples:
            if name_span is not None:
                sample.name = name_span
            if unit_span is not None:
                sample.unit = unit_span
            sample.volume *= scale
        return SampleBatch(bytes(text), batch.samples)

    def flush(self) -> SampleBatch:
        return SampleBatch(b"", [])
