"""Test-only control endpoints (no auth, never under /v1): fault settings, reset/reseed, clock."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from sandbox.body import Body
from sandbox.context import sandbox_of
from sandbox.errors import ApiError, invalid_input

routes = web.RouteTableDef()

MAX_CLOCK_JUMP_S = 100 * 366 * 86400

_FAULT_FIELDS = {  # wire name -> (attribute, type)
    "latencyMs": ("latency_ms", int), "rate429": ("rate_429", float), "rate5xx": ("rate_5xx", float),
    "dropAfterMutationRate": ("drop_after_mutation_rate", float),
    "dropNextMutations": ("drop_next_mutations", int), "rateLimitPerMin": ("rate_limit_per_min", int),
    "seed": ("seed", int),
}
_KNOBS = {"provisioningDelaySeconds": ("provisioning_delay_s", float),
          "checkoutDelayMs": ("checkout_delay_ms", int), "repeatCheckoutError": ("repeat_checkout_error", bool)}


def _guard(request: web.Request) -> None:
    if not sandbox_of(request).config.admin_enabled:
        raise ApiError(404, 1000, "Not found.")


def _body(request: web.Request) -> Body:
    data = request.get("json")
    if data is not None and not isinstance(data, dict):
        raise invalid_input("The request body must be a JSON object.")
    return Body(data or {})


def _coerce(value: object, kind: type, name: str) -> object:
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise invalid_input(f"'{name}' must be a boolean.")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_input(f"'{name}' must be a number.")
    if value < 0 or (kind is float and name.startswith("rate") and name != "rateLimitPerMin" and value > 1):
        raise invalid_input(f"'{name}' is out of range.")
    return kind(value)


def _state(request: web.Request) -> dict:
    from sandbox.app import FAULTS_KEY
    sb = sandbox_of(request)
    state = request.app[FAULTS_KEY].settings.to_wire()
    state.update({wire: getattr(sb.config, attr) for wire, (attr, _) in _KNOBS.items()})
    state["clockOffsetSeconds"] = sb.clock_offset.total_seconds()
    return state


@routes.get("/_sandbox/faults")
async def get_faults(request: web.Request) -> web.Response:
    _guard(request)
    return web.json_response(_state(request))


@routes.post("/_sandbox/faults")
async def set_faults(request: web.Request) -> web.Response:
    """Body: any of latencyMs, rate429, rate5xx, dropAfterMutationRate, dropNextMutations, rateLimitPerMin,
    seed, provisioningDelaySeconds, checkoutDelayMs, repeatCheckoutError (case-insensitive)."""
    from sandbox.app import FAULTS_KEY
    _guard(request)
    body, sb = _body(request), sandbox_of(request)
    known = {k.lower() for k in (*_FAULT_FIELDS, *_KNOBS)}
    unknown = [k for k in body.raw if k.lower() not in known]
    if unknown:
        raise invalid_input(f"Unknown fault setting(s): {', '.join(sorted(unknown))}.")
    fault_changes, knob_changes = {}, {}
    for wire, (attr, kind) in _FAULT_FIELDS.items():
        if wire in body:
            fault_changes[attr] = _coerce(body.get(wire), kind, wire)
    for wire, (attr, kind) in _KNOBS.items():
        if wire in body:
            knob_changes[attr] = _coerce(body.get(wire), kind, wire)
    request.app[FAULTS_KEY].update(**fault_changes)
    for attr, value in knob_changes.items():
        setattr(sb.config, attr, value)
    return web.json_response(_state(request))


@routes.post("/_sandbox/reset")
async def reset(request: web.Request) -> web.Response:
    """Wipe the database and reseed (body: optional customers, seed); also clears faults and the clock."""
    from sandbox import seed
    from sandbox.app import FAULTS_KEY
    from sandbox.config import FaultSettings
    _guard(request)
    body, sb = _body(request), sandbox_of(request)
    customers = body.int("customers", default=sb.config.customers, minimum=0)
    seed_value = body.int("seed", default=sb.config.seed)
    sb.store.wipe()
    report = seed.generate(sb.store, customers=customers, seed=seed_value, config=sb.config)
    injector = request.app[FAULTS_KEY]
    injector.settings.__dict__.update(FaultSettings(seed=seed_value).__dict__)
    injector.update()
    sb.clock_offset = timedelta(0)
    sb.busy_carts.clear()
    return web.json_response({"customers": report.customers, "documents": report.documents,
                              "seconds": round(report.seconds, 3)})


@routes.post("/_sandbox/clock")
async def advance_clock(request: web.Request) -> web.Response:
    """Move the sandbox clock forward (body: advanceSeconds) to test time windows and provisioning."""
    _guard(request)
    sb = sandbox_of(request)
    seconds = _body(request).get("advanceSeconds", default=0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise invalid_input("'advanceSeconds' must be a number.")
    if abs(seconds) > MAX_CLOCK_JUMP_S:  # datetime arithmetic would overflow (a 500) far before this matters
        raise invalid_input(f"'advanceSeconds' must be within +/-{MAX_CLOCK_JUMP_S} seconds.")
    sb.clock_offset += timedelta(seconds=seconds)
    return web.json_response({"clockOffsetSeconds": sb.clock_offset.total_seconds(), "now": sb.now_iso()})
