"""The LLM recognizer keeps the speech-act rule (a proposed change for a question becomes its read
counterpart), and `partnerbot nlu-eval --recognizer llm` scores an OpenAI-compatible endpoint (the local stub)."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.wiring import build_llm_tools
from intents.chain import FallbackRecognizer
from intents.evaluate import cli_main
from intents.llm import LlmRecognizer
from intents.llm_client import LlmConfig
from intents.offline import OfflineRecognizer
from intents.recognizer import RecognitionContext
from tests.llm.llm_stub import StubLlm, text_reply, tool_call

CTX = RecognitionContext()


@pytest.fixture
async def stub():
    async with StubLlm() as running:
        yield running


@pytest.fixture
async def llm(stub):
    config = LlmConfig(mode="openai", base_url=stub.base_url, api_key="k", model="stub-model", timeout_s=2.0)
    recognizer = LlmRecognizer(config.client_factory(), build_llm_tools(), model=config.model, timeout_s=2.0)
    yield recognizer
    await recognizer.aclose()


@pytest.mark.parametrize(("text", "call", "args", "read"), [
    ("who lowered the seats on Contoso's E3 to 3 on Monday?", "subscriptions__change_quantity",
     {"customer": "Contoso", "subscription": "E3", "quantity": 3}, "audit.records"),
    ("can I still cancel Contoso's E3?", "subscriptions__cancel", {"customer": "Contoso", "subscription": "E3"},
     "subscriptions.cancellation_window"),
    ("was my order of 10 Teams Phone for Contoso approved?", "orders__purchase",
     {"customer": "Contoso", "offer": "Teams Phone", "plan": "monthly", "quantity": 10}, "approvals.pending"),
    ("does Contoso's E5 renew automatically?", "subscriptions__set_autorenew",
     {"customer": "Contoso", "subscription": "E5", "enabled": True}, "subscriptions.get"),
])
async def test_a_proposed_change_for_a_question_is_downgraded(stub, llm, text, call, args, read):
    tools = {t.name: t for t in llm.tools}
    arguments = {k: v for k, v in args.items() if k in tools[call].parameters.get("properties", {})}
    stub.script(tool_call(call, arguments))
    result = await llm.recognize(text, CTX)
    assert result.intent == read
    assert result.alternatives[0][0] == call.replace("__", ".")
    if "customer" in arguments:
        assert result.slots.get("customer") == "Contoso"
    assert "quantity" not in result.slots


async def test_a_request_keeps_the_change(stub, llm):
    stub.script(tool_call("subscriptions__cancel", {"customer": "Contoso", "subscription": "E3"}))
    result = await llm.recognize("could you cancel Contoso's E3?", CTX)
    assert result.intent == "subscriptions.cancel"


async def test_the_chain_guards_every_recognizer(stub, llm):
    """Whichever recognizer answers, the chain's answer to a question is a read."""
    chain = FallbackRecognizer([llm, OfflineRecognizer()])
    stub.script(tool_call("subscriptions__suspend", {"customer": "Contoso", "subscription": "Visio Plan 2"}))
    result = await chain.recognize("who suspended Contoso's Visio Plan 2?", CTX)
    assert result.intent == "audit.records"


async def test_nlu_eval_scores_an_endpoint(stub, tmp_path, capsys, monkeypatch):
    rows = [
        {"text": "add 5 seats to Contoso's E3", "intent": "subscriptions.change_quantity",
         "slots": {"customer": "Contoso", "subscription": "E3", "quantity": "5"}},
        {"text": "who added 5 seats to Contoso's E3?", "intent": "audit.records", "slots": {"customer": "Contoso"}},
        {"text": "cancel our Dropbox plan", "intent": "none", "slots": {}},
    ]
    data = tmp_path / "set.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    stub.script(
        tool_call("subscriptions__change_quantity", {"customer": "Contoso", "subscription": "E3", "quantity": 5}),
        tool_call("subscriptions__change_quantity", {"customer": "Contoso", "subscription": "E3", "quantity": 5}),
        tool_call("subscriptions__change_quantity", {"customer": "Contoso", "subscription": "E3", "quantity": 5}),
        text_reply("I cannot help with Dropbox."),
    )
    for name in ("PARTNERBOT_LLM", "OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    code = await asyncio.to_thread(cli_main, [str(data), "--recognizer", "llm", "--llm-base-url", stub.base_url,
                                              "--llm-model", "stub-model", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 3
    # warm-up + 3 lines; the question was downgraded to audit.records, Dropbox had no tool call -> none
    assert out["intent_accuracy"] == 1.0
    assert out["questions_to_change"] == 0
    assert out["llm_unavailable"] == 1
    assert len(stub.requests) == 4
    assert {t["function"]["name"] for t in stub.requests[1].body["tools"]} >= {"none", "subscriptions__cancel"}


def test_nlu_eval_llm_needs_an_endpoint(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PARTNERBOT_LLM", raising=False)
    data = tmp_path / "set.jsonl"
    data.write_text('{"text": "hi", "intent": "greeting", "slots": {}}\n', encoding="utf-8")
    assert cli_main([str(data), "--recognizer", "llm"]) == 2
    assert "PARTNERBOT_LLM" in capsys.readouterr().err
