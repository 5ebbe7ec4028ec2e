"""The bot's web app: POST /api/messages through botbuilder's CloudAdapter, GET /healthz, and `partnerbot serve`.

Bad requests are answered here with a JSON 400 before they reach the SDK (which would raise from deep inside),
and a failing turn is logged under a short correlation id that the user also sees, with the conversation's
dialog state cleared so the next message starts clean.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import ipaddress
import json
import logging
import re
import sys
import uuid
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import ConversationState, InvokeResponse, Storage, TurnContext, UserState
from botbuilder.core.bot_state import CachedBotState
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, CallerIdConstants
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication
from msrest.serialization import Model, Serializer
from msrest.universal_http.requests import ClientRetryPolicy

from bot import plain_json
from bot.approvals import PeopleRecorder
from bot.auth import AuthenticationError, AuthenticationUnavailable, AuthOptions, BotFrameworkAuthenticator
from bot.config import Settings, SettingsError
from bot.files import FileDelivery
from bot.files import mount as mount_files
from bot.handler import PartnerBotHandler
from bot.jobs import poller_hooks
from bot.proactive import ProactiveNotifier
from bot.storage import close_storage, make_storage
from bot.translate import message_invoke_body
from bot.webhooks import mount as mount_events
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
AUTHENTICATOR = web.AppKey("authenticator", BotFrameworkAuthenticator)
CONNECTOR_AUTH = web.AppKey("connector_auth", BotFrameworkAuthentication)
FILES = web.AppKey("files", object)


def correlation_id() -> str:
    return uuid.uuid4().hex[:8]


def friendly_error_text(cid: str) -> str:
    return (f"Sorry, something went wrong on my side and I could not finish that. I have reset this "
            f"conversation, so please try again. If it keeps happening, give your admin this error id: {cid}.")


def _bad_request(message: str, status: int = 400) -> web.Response:
    return web.json_response({"error": {"code": "BadRequest" if status == 400 else "Error", "message": message}},
                             status=status)


# Limits applied before anything parses the request (issue 11). Teams messages hold ~28 KB; an activity with its
# entities and a card submit stays far below the body limit.
MAX_BODY_BYTES = 256 * 1024
MAX_JSON_DEPTH = 32
MAX_ID_CHARS = 1024  # conversation, user and activity ids, channel id, locale
MAX_SERVICE_URL_CHARS = 2048


def _check_json(body: Any) -> str | None:
    """Walk the parsed body once (iteratively): refuse deep nesting, and replace lone UTF-16 surrogates (valid
    in JSON escapes, not encodable as UTF-8 by storage and replies) with U+FFFD. A reason to refuse, or None."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return f"the activity is nested deeper than {MAX_JSON_DEPTH} levels"
        if isinstance(node, dict):
            for key in list(node):
                value = node[key]
                if isinstance(key, str) and not _utf8_clean(key):
                    del node[key]
                    key = _without_surrogates(key)
                    node[key] = value
                if isinstance(value, str):
                    if not _utf8_clean(value):
                        node[key] = _without_surrogates(value)
                elif isinstance(value, dict | list):
                    stack.append((value, depth + 1))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    if not _utf8_clean(value):
                        node[i] = _without_surrogates(value)
                elif isinstance(value, dict | list):
                    stack.append((value, depth + 1))
    return None


def _utf8_clean(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _without_surrogates(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _valid_host(host: str) -> bool:
    """An IP literal, or DNS labels (letters, digits, inner hyphens) whose punycode ("xn--") decodes."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.rstrip(".").split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        return False
    try:
        host.encode("ascii").decode("idna")
    except UnicodeError:
        return False
    return True


_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.I)


def service_url_problem(url: str) -> str | None:
    """Why a serviceUrl cannot be replied to, or None: the adapter builds a connector client from it."""
    if len(url) > MAX_SERVICE_URL_CHARS or not url.isascii() or any(c.isspace() or ord(c) < 32 for c in url):
        return "the activity's 'serviceUrl' is not a URL"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return "the activity's 'serviceUrl' is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the activity's 'serviceUrl' must be an http or https URL"
    if not _valid_host(parts.hostname):
        return "the activity's 'serviceUrl' has no valid host name"
    if parts.username or parts.password:
        return "the activity's 'serviceUrl' must not carry credentials"
    return None


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
    for where, value in (("type", body["type"]), ("conversation.id", conversation["id"]),
                         ("id", body.get("id")), ("channelId", body.get("channelId")), ("locale", body.get("locale")),
                         ("from.id", (body.get("from") or {}).get("id")),
                         ("from.aadObjectId", (body.get("from") or {}).get("aadObjectId")),
                         ("replyToId", body.get("replyToId"))):
        if value is not None and (not isinstance(value, str) or len(value) > MAX_ID_CHARS):
            return f"'{where}' must be a string of at most {MAX_ID_CHARS} characters"
    for where, value in (("text", body.get("text")), ("name", body.get("name"))):
        if value is not None and not isinstance(value, str):
            return f"'{where}' must be a string"
    return service_url_problem(body["serviceUrl"])


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


def _unauthorized(reason: str, request: web.Request) -> web.Response:
    # one line, no token, no traceback
    log.warning("refused %s from %s: %s", request.path, request.remote, reason)
    return web.json_response({"error": {"code": "Unauthorized", "message": "authentication failed"}}, status=401)


async def _authenticate(request: web.Request, body: dict[str, Any]) -> AuthenticateRequestResult | web.Response:
    """The SDK's authentication result for an authenticated bot, or the response refusing the request."""
    authenticator = request.app[AUTHENTICATOR]
    auth = request.app[CONNECTOR_AUTH]
    header = request.headers.get("Authorization", "")
    try:
        identity = await asyncio.wait_for(authenticator.authenticate(header, body["channelId"], body["serviceUrl"]),
                                          authenticator.options.request_deadline + 0.5)
    except AuthenticationError as exc:
        return _unauthorized(str(exc), request)
    except (AuthenticationUnavailable, TimeoutError) as exc:
        retry_after = exc.retry_after if isinstance(exc, AuthenticationUnavailable) else 5
        log.warning("could not authenticate %s from %s: signing keys unavailable", request.path, request.remote)
        return web.json_response({"error": {"code": "ServiceUnavailable",
                                            "message": "authentication is unavailable; try again shortly"}},
                                 status=503, headers={"Retry-After": str(retry_after)})
    result = AuthenticateRequestResult()
    result.claims_identity = identity
    result.audience = auth.get_originating_audience()
    result.caller_id = CallerIdConstants.public_azure_channel
    result.connector_factory = auth.create_connector_factory(identity)
    return result


async def _messages(request: web.Request) -> web.Response:
    content_type = request.headers.get("Content-Type", "")
    if "application/json" not in content_type.lower():
        return _bad_request("expected Content-Type: application/json", status=400)
    settings = request.app[SETTINGS]
    raw = await request.read()  # over client_max_size: 413 from aiohttp before anything is parsed
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _bad_request("the body is not valid JSON")
    reason = _check_json(body) or _validate_activity_json(body)
    if reason:
        return _bad_request(reason)
    if body.get("channelId") not in settings.allowed_channels:
        log.warning("refused an activity from channel %r (accepted: %s)", str(body.get("channelId"))[:40],
                    ", ".join(sorted(settings.allowed_channels)))
        return web.json_response({"error": {"code": "Forbidden", "message": "this channel is not accepted"}},
                                 status=403)
    auth: str | AuthenticateRequestResult = ""  # no app id: the SDK's anonymous path, without any key fetch
    if settings.auth_enabled:  # before the activity is even deserialized: a forged request costs little
        outcome = await _authenticate(request, body)
        if isinstance(outcome, web.Response):
            return outcome
        auth = outcome
    try:
        activity = Activity().deserialize(body)
    except Exception as exc:
        return _bad_request(f"the activity could not be read ({type(exc).__name__})")
    adapter = request.app[ADAPTER]
    handler = request.app[HANDLER]
    REQUEST_ORIGIN.set(request_origin(request))  # this request's task only: where file links should point
    try:
        invoke_response = await adapter.process_activity(auth, activity, handler.on_turn)
    except PermissionError:
        return _unauthorized("refused by the adapter", request)
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
    *,
    authenticator: BotFrameworkAuthenticator | None = None,
    connector_auth: BotFrameworkAuthentication | None = None,
) -> web.Application:
    """The aiohttp app. Without `engine`, `bot.wiring.build_engine(settings)` builds one. An engine with an
    `attach_notifier(notifier)` method receives the app's `ProactiveNotifier`.

    With an app id, requests are authenticated by `authenticator` (default: Bot Framework's issuers) and replies
    get their credentials from `connector_auth` (default: the app id and password); tests pass a local issuer
    and an anonymous connector."""
    owns_storage = storage is None
    if storage is None:
        storage = make_storage(settings)
    if engine is None:
        from bot.wiring import build_engine

        engine = build_engine(settings, storage=storage)  # one store for state, approvals and the audit log
    connector_auth = connector_auth or ConfigurationBotFrameworkAuthentication(settings.bot_auth_configuration())
    adapter = CloudAdapter(connector_auth)
    if authenticator is None and settings.auth_enabled:
        authenticator = BotFrameworkAuthenticator(AuthOptions(app_id=settings.app_id,
                                                              tenant_id=settings.app_tenant_id))
    handler = PartnerBotHandler(engine, ConversationState(storage), UserState(storage), storage=storage)
    handler.allow_loopback_files = not settings.auth_enabled
    adapter.on_turn_error = make_on_turn_error(handler)
    notifier = ProactiveNotifier(adapter, storage, settings.app_id)
    handler.notifier = notifier  # private replies (generated passwords) go to the requester's personal chat
    hold = str(settings.env.get("PARTNERBOT_HOLD_AFTER_SECONDS") or "").strip()
    if hold:  # a slow turn answers with a holding message after this long and posts its result when ready
        handler.hold_after = float(hold) if float(hold) > 0 else None
    attach = getattr(engine, "attach_notifier", None)
    if callable(attach):  # optional: an engine that sends proactive messages (approvals) takes the notifier
        attach(notifier)
    handler.reference_listeners.append(PeopleRecorder(storage))  # approvers' chats for approval requests

    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SETTINGS] = settings
    app[CONNECTOR_AUTH] = connector_auth
    if authenticator is not None:
        app[AUTHENTICATOR] = authenticator

        async def _close_authenticator(_: web.Application) -> None:
            await authenticator.close()

        app.on_cleanup.append(_close_authenticator)
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

    mount_events(app, settings, engine, storage, notifier)

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

