"""Bot-level intents: help, greeting, whoami, out-of-scope, cancel (cancel itself is an interruption in the engine)."""

from __future__ import annotations

from dialogs import views
from dialogs.context import OperationContext
from dialogs.registry import Args, Outcome, operation


@operation("help", kind="read", area="conversation", card=views.help_card)
async def help_(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(data={})


@operation("greeting", kind="read", area="conversation")
async def greeting(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(message=ctx.t("msg.greeting", name=ctx.user.name or ""))


@operation("none", kind="read", area="conversation", card=views.help_card)
async def out_of_scope(ctx: OperationContext, args: Args) -> Outcome:
    return Outcome(data={}, message=ctx.t("msg.out_of_scope"))


@operation("cancel", kind="read", area="conversation")
async def cancel(ctx: OperationContext, args: Args) -> Outcome:
    # Reached only from a button; typed "cancel" is handled by the engine as an interruption.
    return Outcome(message=ctx.t("msg.nothing_to_cancel"))


@operation("whoami", kind="read", area="conversation", card=views.whoami)
async def whoami(ctx: OperationContext, args: Args) -> Outcome:
    roles = sorted(ctx.extras.get("roles", ()))
    return Outcome(data={"name": ctx.user.name, "upn": ctx.user.upn, "id": ctx.user.aad_object_id or ctx.user.id,
                         "roles": roles})
