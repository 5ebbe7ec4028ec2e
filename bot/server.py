"""The bot's web app: POST /api/messages through botbuilder's CloudAdapter, GET /healthz, and `partnerbot serve`.

Bad requests are answered here with a JSON 400 before they reach the SDK (which would raise from deep inside),
and a failing turn is logged under a short correlation id that the user also sees, with the conversation's
dialog state cleared so the next message starts clean.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
import uuid
from typing import Any

from aiohttp import web
from botbuilder.core import ConversationState, InvokeResponse, Storage, TurnContext, UserState
from botbuilder.core.bot_state import CachedBotState
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes
from msrest.serialization import Model, Serializer
from msrest.universal_http.requests import ClientRetryPolicy

from bot import plain_json
from bot.approvals import PeopleRecorder
from bot.config import Settings, SettingsError
from bot.files import FileDelivery
from bot.files import mount as mount_files
from bot.handler import PartnerBotHandler
from bot.jobs import poller_hooks
from bot.proactive import ProactiveNotifier
from bot.storage import close_storage, make_storage
from bot.translate import message_invoke_body
from dialogs.files import REQUEST_ORIGIN, FileService
from dialogs.turn import ConversationEngine

log = logging.getLogger(__name__)

# CloudAdapter builds two msrest clients per turn, and each ClientRetryPolicy() tests 999 codes against a
# 500-item list: ~8 ms of CPU each, more than an echo bot's whole turn (found by `partnerbot bench turns`).
# A frozenset gives the same retry codes in microseconds.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)
# botbuilder detects changed state by flattening it with jsonpickle at load and again at save, per state
# object and turn; plain JSON state gets the same answer from json.dumps at a fraction of the CPU.
CachedBotState.compute_hash = lambda self, obj: plain_json.state_hash(obj)  # type: ignore[method-assign]
_serialize_object = Serializer.serialize_object


def _serialize_plain_object(self: Serializer, attr: Any, **kwargs: Any) -> Any:
    """msrest rebuilds an attachment's card (an "object") value by value, each basic value through `eval`: for
    plain JSON that yields an equal structure, so it is passed on as it is."""
    if type(attr) in (dict, list) and plain_json.is_plain(attr):
        return attr
    return _serialize_object(self, attr, **kwargs)


Serializer.serialize_object = _serialize_plain_object  # type: ignore[method-assign]

SETTINGS = web.AppKey("settings", Settings)
ADAPTER = web.AppKey("adapter", CloudAdapter)
HANDLER = web.AppKey("handler", PartnerBotHandler)
STORAGE = web.AppKey("storage", Storage)
NOTIFIER = web.AppKey("notifier", ProactiveNotifier)
FILES = web.AppKey("files", object)


def correlation_id() -> str:
    return uuid.uuid4().hex[:8]


def friendly_error_text(cid: str) -> str:
    return (f"Sorry, something went wrong on my side and I could not finish that. I have reset this "
            f"conversation, so please try again. If it keeps happening, give your admin this error id: {cid}.")


def _bad_request(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": {"code": "BadRequest" if status == 400 else "Error", "message": message}},
                             status=status)


def _validate_activity_json(body: Any) -> str | None:
    """A reason to refuse the body, or None. Only what the adapter needs to reply at all is required."""
    if not isinstance(body, dict):
        return "the body must be a JSON object (a Bot Framework activity)"
    if not isinstance(body.get("type"), str) or not body["type"]:
        return "the activity has no 'type'"
    conversation = body.get("conversation")
    if not isinstance(conversation, dict) or not isinstance(conversation.get("id"), str):
        return "the activity has no 'conversation.id'"
    if not isinstance(body.get("serviceUrl"), str) or not body["serviceUrl"]:
        return "the activity has no 'serviceUrl'"
    for key in ("from", "recipient"):
        if key in body and body[key] is not None and not isinstance(body[key], dict):
            return f"'{key}' must be an object"
    return None


def make_on_turn_error(handler: PartnerBotHandler):
    async def on_turn_error(turn_context: TurnContext, error: Exception) -> None:
        cid = correlation_id()
        activity = turn_context.activity
        log.error("turn failed [error id %s] type=%s name=%s conversation=%s: %s: %s", cid, activity.type,
                  activity.name, activity.conversation.id if activity.conversation else None,
                  type(error).__name__, error, exc_info=(type(error), error, error.__traceback__))
        try:
            await handler.reset_dialog_state(turn_context)
        except Exception:
            log.exception("could not reset the dialog state [error id %s]", cid)
        text = friendly_error_text(cid)
        try:
            if activity.type == ActivityTypes.invoke:
                # Answer the invoke itself (HTTP 200 with a message): an error status makes Teams retry.
                body: dict[str, Any]
                if activity.name == "adaptiveCard/action":
                    body = message_invoke_body(text)
                else:
                    body = {"error": {"code": "InternalError", "message": text}}
                status = 200 if activity.name == "adaptiveCard/action" else 500
                await turn_context.send_activity(Activity(type=ActivityTypes.invoke_response,
                                                          value=InvokeResponse(status=status, body=body)))
            else:
                await turn_context.send_activity(text)
        except Exception:
            log.exception("could not tell the user about the failure [error id %s]", cid)

    return on_turn_error


async def _messages(request: web.Request) -> web.Response:
    content_type = request.headers.get("Content-Type", "")
    if "application/json" not in content_type.lower():
        return _bad_request("expected Content-Type: application/json", status=400)
    try:
        body = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return _bad_request("the body is not valid JSON")
    reason = _validate_activity_json(body)
    if reason:
        return _bad_request(reason)
    try:
        activity = Activity().deserialize(body)
    except Exception as exc:
        return _bad_request(f"the activity could not be read ({type(exc).__name__})")
    adapter = request.app[ADAPTER]
    handler = request.app[HANDLER]
    auth_header = request.headers.get("Authorization", "")
    REQUEST_ORIGIN.set(request_origin(request))  # this request's task only: where file links should point
    try:
        invoke_response = await adapter.process_activity(auth_header, activity, handler.on_turn)
    except PermissionError:
        return web.json_response({"error": {"code": "Unauthorized", "message": "authentication failed"}},
                                 status=401)
    except Exception as exc:
        cid = correlation_id()
        log.error("request failed outside the turn [error id %s]: %s", cid, type(exc).__name__, exc_info=exc)
        return web.json_response({"error": {"code": "InternalError", "message": f"error id {cid}"}}, status=500)
    if invoke_response:
        body = invoke_response.body
        # msrest models (e.g. AdaptiveCardInvokeResponse) are serialized once, here; plain JSON passes through.
        data = serializer_helper(body) if isinstance(body, Model) else body
        return web.json_response(data=data, status=invoke_response.status)
    return web.Response(status=201)


def request_origin(request: web.Request) -> str:
    """scheme://host[:port] the request was sent to; a TLS-terminating proxy's X-Forwarded-Proto is honoured."""
    scheme = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    if scheme not in ("http", "https"):
        scheme = request.scheme
    return f"{scheme}://{request.host}"


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def create_app(
    settings: Settings,
    engine: ConversationEngine | None = None,
    storage: Storage | None = None,
) -> web.Application:
    """The aiohttp app. Without `engine`, `bot.wiring.build_engine(settings)` builds one. An engine with an
    `attach_notifier(notifier)` method receives the app's `ProactiveNotifier`."""
    owns_storage = storage is None
    if storage is None:
        storage = make_storage(settings)
    if engine is None:
        from bot.wiring import build_engine

        engine = build_engine(settings, storage=storage)  # one store for state, approvals and the audit log
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings.bot_auth_configuration()))
    handler = PartnerBotHandler(engine, ConversationState(storage), UserState(storage), storage=storage)
    handler.allow_loopback_files = not settings.auth_enabled
    adapter.on_turn_error = make_on_turn_error(handler)
    notifier = ProactiveNotifier(adapter, storage, settings.app_id)
    attach = getattr(engine, "attach_notifier", None)
    if callable(attach):  # optional: an engine that sends proactive messages (approvals) takes the notifier
        attach(notifier)
    handler.reference_listeners.append(PeopleRecorder(storage))  # approvers' chats for approval requests

    app = web.Application()
    app[SETTINGS] = settings
    app[ADAPTER] = adapter
    app[HANDLER] = handler
    app[STORAGE] = storage
    app[NOTIFIER] = notifier
    app.router.add_post("/api/messages", _messages)
    app.router.add_get("/healthz", _healthz)

    files = getattr(engine, "files", None)
    if isinstance(files, FileService):  # file results: signed links at /api/files/<token>, consent uploads
        delivery = FileDelivery(files, notifier)
        handler.file_consent = delivery.on_consent
        mount_files(app, delivery)
        app[FILES] = delivery

    hooks = poller_hooks(engine)
    if hooks is not None:  # the background job poller runs while the app serves
        app.on_startup.append(hooks[0])
        app.on_shutdown.append(hooks[1])

    if owns_storage:
        async def _close_storage(_: web.Application) -> None:
            await close_storage(storage)  # SQLite file, or the blob client's HTTP session

        app.on_cleanup.append(_close_storage)
    return app


def freeze_startup_objects() -> None:
    """Move what the process built at start (intent model, registry, SDK modules) out of the garbage collector's
    reach: a full collection walked all ~90,000 of them, ~40 ms during some user's turn (a p99 spike in
    `partnerbot bench turns`). Call once, just before serving."""
    gc.collect()
    gc.freeze()


def cli_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="partnerbot serve", description="Run the bot (POST /api/messages).")
    parser.add_argument("--host", help="interface to bind (default PARTNERBOT_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default PARTNERBOT_PORT, PORT or 3978)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"partnerbot serve: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=getattr(logging, settings.log_level, logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    try:
        app = create_app(settings)
    except ImportError as exc:
        print(f"partnerbot serve: the conversation engine is not available ({exc})", file=sys.stderr)
        return 2
    mode = "Bot Framework authentication on" if settings.auth_enabled else "no app id: local anonymous mode"
    print(f"PartnerBot listening on http://{host}:{port}/api/messages ({mode})", flush=True)
    freeze_startup_objects()
    web.run_app(app, host=host, port=port, print=None)
    return 0

