"""The official MCP Python client (PyPI `mcp` 2.x) against `teetrack serve`
over Streamable HTTP with a bearer token, in every connection mode: `legacy`
(the initialize handshake), `auto` (a `server/discover` probe, which a
2026-07-28 server answers) and `2026-07-28` (stateless from the first request).
"""

import json

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from conftest import EMAIL

pytestmark = pytest.mark.anyio

MODES = pytest.mark.parametrize("mode", ["legacy", "auto", "2026-07-28"])


def connect(http_server, mode, token=None, **kwargs) -> Client:
    headers = {"Authorization": f"Bearer {token or http_server.token}"}
    transport = streamable_http_client(http_server.url, http_client=httpx2.AsyncClient(headers=headers))
    return Client(transport, mode=mode, **kwargs)


@MODES
async def test_the_version_follows_the_mode(http_server, mode):
    async with connect(http_server, mode) as client:
        expected = "2025-11-25" if mode == "legacy" else "2026-07-28"
        assert client.protocol_version == expected
        if mode == "legacy":
            assert client.server_info.name == "teetrack"
            assert "get_context" in (client.instructions or "")


@MODES
async def test_tools_are_listed_and_called_as_the_tokens_user(http_server, mode):
    async with connect(http_server, mode) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert tools["get_context"].annotations.read_only_hint is True
        result = await client.call_tool("get_context", {})
        assert result.is_error is False
        assert result.structured_content["user"]["email"] == EMAIL
        assert json.loads(result.content[0].text) == result.structured_content


@MODES
async def test_protocol_faults_are_json_rpc_errors(http_server, mode):
    async with connect(http_server, mode) as client:
        with pytest.raises(MCPError) as unknown_tool:
            await client.call_tool("fly_to_the_moon", {})
        assert unknown_tool.value.error.code == -32602


@MODES
async def test_prompts_completions_and_the_settings_resource(http_server, mode):
    async with connect(http_server, mode) as client:
        names = [prompt.name for prompt in (await client.list_prompts()).prompts]
        assert names == ["budget_check", "month_end_invoicing", "weekly_report"]
        prompt = await client.get_prompt("weekly_report", {"week": "this_week"})
        assert "`this_week`" in prompt.messages[0].content.text
        from mcp.types import PromptReference

        completion = await client.complete(PromptReference(type="ref/prompt", name="weekly_report"), {"name": "week", "value": "la"})
        assert completion.completion.values == ["last_week"]
        read = await client.read_resource("teetrack://settings")
        assert "time_zone" in json.loads(read.contents[0].text)


async def test_log_messages_arrive_on_the_requests_stream_when_asked(http_server):
    received = []

    async def on_log(params):
        received.append(params)

    async with connect(http_server, "2026-07-28", log_level="debug", logging_callback=on_log) as client:
        await client.call_tool("get_context", {})
    assert any("get_context" in str(message.data) for message in received), received


async def test_a_bad_token_is_refused(http_server):
    with pytest.raises(Exception):
        async with connect(http_server, "legacy", token="tt_NotARealToken000000000000000000000") as client:
            await client.list_tools()
