"""The README's roles example, verbatim, through the real bot (issue 11): a listed agent/purchaser reads (from
`default`) and starts changes; an unlisted user reads only."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.e2e_support import AVERY, DANA, Bot, SandboxThread

ROOT = Path(__file__).resolve().parents[2]


def readme_roles_file(tmp_path: Path, who: str) -> str:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Roles", 1)[1]
    example = section.split("```json", 1)[1].split("```", 1)[0].replace("<aadObjectId or UPN>", who)
    path = tmp_path / "roles.json"
    path.write_text(example, encoding="utf-8")
    return str(path)


async def test_the_readme_roles_example_lets_a_listed_agent_read_and_change(shared_sandbox: SandboxThread,
                                                                             tmp_path: Path) -> None:
    roles = readme_roles_file(tmp_path, DANA.aad_object_id)
    async with Bot(shared_sandbox.url, roles_file=roles) as bot:
        reads = await bot.say("show contoso subscriptions", user=DANA)
        assert reads.title == "Subscriptions of Contoso Ltd", reads.screen
        change = await bot.say("suspend contoso's E3", user=DANA)
        assert change.title == "Microsoft 365 E3" and "Confirm" in change.buttons, change.screen
        await bot.click("Cancel", user=DANA)
    async with Bot(shared_sandbox.url, roles_file=roles, conversation_id="a:personal-avery") as bot:
        reads = await bot.say("show contoso subscriptions", user=AVERY)
        assert reads.title == "Subscriptions of Contoso Ltd"
        refused = await bot.say("suspend contoso's E3", user=AVERY)
        assert not refused.cards and "agent" in refused.texts[0].lower()
