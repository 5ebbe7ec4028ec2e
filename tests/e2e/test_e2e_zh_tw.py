"""A Traditional Chinese (zh-TW) user: requests in Chinese are understood and every answer comes back in zh-TW."""

from __future__ import annotations

from tests.e2e.e2e_support import Bot, SandboxThread, facts, table_rows


async def test_zh_tw_lookup_and_seat_change(sandbox: SandboxThread):
    before = await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3")
    async with Bot(sandbox.url, locale="zh-TW") as bot:
        listed = await bot.say("顯示 Contoso 的訂閱")
        assert listed.title == "Contoso Ltd 的訂用帳戶"

        asked = await bot.say("幫 Contoso 的 E3 加 5 個授權")
        assert "變更授權數" in asked.screen
        rows = {r[0]: r[1:] for r in table_rows(asked.card)[1:]}
        assert rows["授權數"] == [str(before["quantity"]), str(before["quantity"] + 5)]
        assert facts(asked.card)
        assert asked.buttons == ["確認", "取消"]

        done = await bot.click("確認")
        assert f"授權數已從 {before['quantity']} 變更為 {before['quantity'] + 5}。" in done.screen
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["quantity"] == before["quantity"] + 5


async def test_zh_tw_cancel_while_a_confirmation_is_pending_changes_nothing(sandbox: SandboxThread):
    async with Bot(sandbox.url, locale="zh-TW") as bot:
        await bot.say("暫停 Contoso 的 E3")
        cancelled = await bot.say("取消")
        assert "已取消，沒有做任何變更。" in cancelled.screen
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["status"] == "active"


async def test_zh_tw_other_vendors_product_is_out_of_scope_and_changes_nothing(sandbox: SandboxThread):
    before = await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3")
    async with Bot(sandbox.url, locale="zh-TW") as bot:
        seen = await bot.say("幫我們的 Webex 帳號加五個席位")
        assert seen.texts[0].startswith("我只能協助 Microsoft 合作夥伴中心的工作")
        assert "其他廠商的產品" in seen.texts[0]
        assert "確認" not in seen.buttons
    assert (await sandbox.subscription("Contoso Ltd", "Microsoft 365 E3"))["quantity"] == before["quantity"]
