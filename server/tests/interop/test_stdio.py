"""The official MCP Python client (PyPI `mcp` 2.x) against `teetrack mcp`.

Every test runs in each of the client's connection modes: `legacy` (the
initialize handshake), `auto` (a `server/discover` probe first, which a
2026-07-28 server answers, so the client stays stateless) and `2026-07-28`
(stateless from the first request, no probe).
"""

import json

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from conftest import EMAIL

pytestmark = pytest.mark.anyio

MODES = pytest.mark.parametrize("mode", ["legacy", "auto", "2026-07-28"])


@MODES
async def test_the_server_names_itself_and_says_call_get_context_first(server, mode):
    async with Client(server, mode=mode) as client:
        assert client.protocol_version == ("2025-11-25" if mode == "legacy" else "2026-07-28")
        if mode == "2026-07-28":
            # No handshake and no probe: the client knows only what it pinned.
            return
        assert client.server_capabilities.tools is not None
        assert client.server_capabilities.prompts is not None
        assert "get_context" in (client.instructions or "")


@MODES
async def test_tools_are_listed_with_schemas_annotations_and_meta(server, mode):
    async with Client(server, mode=mode) as client:
        listed = await client.list_tools()
        tools = {tool.name: tool for tool in listed.tools}
        assert listed.next_cursor is None
        context = tools["get_context"]
        assert context.title == "Get context"
        assert context.input_schema["type"] == "object"
        assert context.output_schema is not None
        assert context.annotations is not None
        assert context.annotations.read_only_hint is True
        assert context.annotations.open_world_hint is False
        assert context.meta == {"teetrack/tier": "free", "teetrack/area": "context", "teetrack/scope": "tracks:read"}


@MODES
async def test_get_context_returns_structured_content_and_the_same_json_as_text(server, mode):
    async with Client(server, mode=mode) as client:
        # The client checks structuredContent against the listed outputSchema.
        await client.list_tools()
        result = await client.call_tool("get_context", {})
        assert result.is_error is False
        assert result.structured_content is not None
        assert result.structured_content["user"]["email"] == EMAIL
        assert json.loads(result.content[0].text) == result.structured_content


@MODES
async def test_a_domain_error_is_an_is_error_result_with_its_body(server, mode):
    async with Client(server, mode=mode) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        if "stop_timer" not in names:
            pytest.skip("no tool with a reachable domain error is registered yet")
        result = await client.call_tool("stop_timer", {})
        assert result.is_error is True
        # The body is text only: it matches no output schema.
        assert result.structured_content is None
        body = json.loads(result.content[0].text)
        assert body["code"] == "no_timer_running"
        assert body["message"]


@MODES
async def test_protocol_faults_are_json_rpc_errors(server, mode):
    async with Client(server, mode=mode) as client:
        with pytest.raises(MCPError) as unknown_tool:
            await client.call_tool("fly_to_the_moon", {})
        assert unknown_tool.value.error.code == -32602
        with pytest.raises(MCPError) as bad_arguments:
            await client.call_tool("get_context", {"verbose": True})
        assert bad_arguments.value.error.code == -32602
