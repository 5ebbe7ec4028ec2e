"""The local Bot Connector for HTTP tests: records everything the bot sends; `await connector.next(n)`.

The implementation lives in `bot.local_channel` because `partnerbot chat` uses the same endpoint.

    async with LocalConnector() as connector:
        ...  # POST activities whose serviceUrl is connector.service_url
        [reply] = await connector.next(1, timeout=5)
        assert reply.text == "..." and reply.cards[0]["type"] == "AdaptiveCard"
"""

from bot.local_channel import ConnectorCall, LocalConnector

__all__ = ["ConnectorCall", "LocalConnector"]
