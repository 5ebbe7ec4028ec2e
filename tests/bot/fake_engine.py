"""A small, scriptable ConversationEngine for the bot-layer tests (the real engine is tested in tests/dialogs)."""

from __future__ import annotations

from typing import Any

from dialogs.turn import InvokeResult, Reply, Turn


def sample_card(title: str) -> dict[str, Any]:
    return {"type": "AdaptiveCard", "version": "1.5",
            "body": [{"type": "TextBlock", "text": title, "weight": "Bolder"}],
            "actions": [{"type": "Action.Execute", "title": "Refresh", "verb": "refresh", "data": {"n": 1}}]}


class FakeEngine:
    """Echoes turns, counts them in the conversation state, and fails on the word 'boom'."""

    def __init__(self) -> None:
        self.turns: list[Turn] = []
        self.states: list[dict[str, Any]] = []
        self.welcomed: list[Turn] = []

    async def on_turn(self, turn: Turn, state: dict[str, Any]) -> list[Reply]:
        self.turns.append(turn)
        self.states.append(dict(state))
        state["count"] = state.get("count", 0) + 1
        if turn.text == "boom":
            state["half_done"] = True
            raise RuntimeError("engine exploded")
        if turn.text and turn.text.startswith("replace "):
            return [Reply(text="replaced", replace_activity_id=turn.text.split()[1])]
        if turn.value is not None and turn.text is None:
            return [Reply(text=f"got value {sorted(turn.value.items())}")]
        return [Reply(text=f"echo: {turn.text} #{state['count']}", card=sample_card(f"Card for {turn.text}"))]

    async def on_invoke(self, turn: Turn, state: dict[str, Any]) -> InvokeResult:
        self.turns.append(turn)
        if turn.verb == "boom":
            raise RuntimeError("invoke exploded")
        if turn.verb == "say":
            return InvokeResult(message="said")
        if turn.verb == "deny":
            return InvokeResult(message="You are not an approver.", status=403)
        return InvokeResult(card=sample_card(f"{turn.verb} by {turn.user.name} {turn.value}"))

    async def welcome(self, turn: Turn) -> list[Reply]:
        self.welcomed.append(turn)
        return [Reply(card=sample_card(f"Welcome {turn.user.name}"))]
