"""The OpenAI Agents SDK (PyPI `openai-agents`) against the real binary, over
stdio (`MCPServerStdio`) and Streamable HTTP (`MCPServerStreamableHttp`), with
no model calls: list_tools, the SDK's strict conversion of every input schema
(what an agent with `convert_schemas_to_strict=True` sends to OpenAI), and a
workflow of calls through `MCPUtil.invoke_mcp_tool`, the path a model's tool
call takes, asserting that each error's code and message reach the model
intact. Also: every schema is valid draft 2020-12 (the reference validator).
"""

import datetime
import json

import pytest
from agents.mcp import MCPServerStdio, MCPServerStreamableHttp, MCPUtil
from agents.run_context import RunContextWrapper
from agents.strict_schema import ensure_strict_json_schema
from jsonschema import Draft202012Validator

pytestmark = pytest.mark.anyio

TRANSPORTS = pytest.mark.parametrize("transport", ["stdio", "http"])


def agents_server(transport, teetrack_bin, account, http_server):
    if transport == "stdio":
        return MCPServerStdio(
            params={
                "command": teetrack_bin,
                "args": ["mcp"],
                "env": {
                    "TEETRACK_DATABASE_URL": account.env["TEETRACK_DATABASE_URL"],
                    "TEETRACK_MCP_TOKEN": account.token,
                },
            },
            client_session_timeout_seconds=30,
        )
    return MCPServerStreamableHttp(
        params={"url": http_server.url, "headers": {"Authorization": f"Bearer {http_server.token}"}, "timeout": 30},
        client_session_timeout_seconds=30,
    )


@pytest.fixture
def connect(teetrack_bin, account, request):
    """An Agents SDK server for the parametrized transport (HTTP starts `teetrack serve`)."""

    def make(transport):
        http = request.getfixturevalue("http_server") if transport == "http" else None
        return agents_server(transport, teetrack_bin, account, http)

    return make


@TRANSPORTS
async def test_every_input_schema_converts_to_strict_mode(connect, transport):
    async with connect(transport) as server:
        tools = await server.list_tools()
        assert len(tools) >= 40
        failures = {}
        for tool in tools:
            try:
                ensure_strict_json_schema(json.loads(json.dumps(tool.input_schema)))
            except Exception as err:  # noqa: BLE001 - every failure is reported
                failures[tool.name] = str(err)
            # The SDK's own conversion, as an agent with strict schemas does it:
            # it falls back to non-strict silently, so check the flag.
            function_tool = MCPUtil.to_function_tool(tool, server, True)
            if not function_tool.strict_json_schema:
                failures.setdefault(tool.name, "to_function_tool fell back to non-strict")
        assert failures == {}


async def test_every_schema_is_valid_draft_2020_12(connect):
    async with connect("stdio") as server:
        for tool in await server.list_tools():
            Draft202012Validator.check_schema(tool.input_schema)
            Draft202012Validator.check_schema(tool.output_schema)


async def invoke(server, tools, name, arguments):
    """A tool call the way a model's goes: JSON arguments in, what the model reads out."""
    output = await MCPUtil.invoke_mcp_tool(server, tools[name], RunContextWrapper(context=None), json.dumps(arguments))
    if isinstance(output, dict):
        return output["text"]
    return output if isinstance(output, str) else output.text


async def call(server, name, arguments):
    """The MCP result itself: (is_error, the JSON of its first text content)."""
    result = await server.call_tool(name, arguments)
    return result.is_error, json.loads(result.content[0].text), result


def an_hour_ago() -> str:
    return (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)).replace(microsecond=0).isoformat()


@TRANSPORTS
async def test_a_workflow_of_successes_and_every_error_reaches_the_model(connect, transport):
    async with connect(transport) as server:
        tools = {tool.name: tool for tool in await server.list_tools()}

        async def refused(code, name, arguments):
            """An error result, intact in MCP and in what the model is handed.
            An error changes nothing, so asking twice meets the same error."""
            is_error, body, result = await call(server, name, arguments)
            assert is_error is True, (code, body)
            assert result.structured_content is None, code
            assert body["code"] == code and body["message"], body
            # The model is handed exactly the body: code, message, hint, details.
            assert json.loads(await invoke(server, tools, name, arguments)) == body
            return body

        is_error, context, _ = await call(server, "get_context", {})
        assert is_error is False and context["user"]["email"] == "ada@example.com"
        is_error, started, result = await call(server, "start_timer", {"description": "Agents SDK", "start": an_hour_ago()})
        assert is_error is False, started
        assert result.structured_content == started

        # The free tier's one timer runs, and if_running says to refuse.
        await refused("timer_running", "start_timer", {"if_running": "error"})
        is_error, stopped, _ = await call(server, "stop_timer", {})
        assert is_error is False, stopped
        await refused("no_timer_running", "stop_timer", {})
        await refused("not_found", "get_track", {"id": 999999})
        await refused("invalid_argument", "log_track", {"start": "2026-11-24 10:00", "end": "2026-11-24 09:00"})
        # A name that is also another project's id matches two projects.
        is_error, website, _ = await call(server, "create_project", {"name": "Website"})
        assert is_error is False, website
        website_id = website["project"]["id"] if "project" in website else website["id"]
        is_error, _, _ = await call(server, "create_project", {"name": str(website_id)})
        assert is_error is False
        ambiguous = await refused("ambiguous", "start_timer", {"project": str(website_id)})
        assert {c["name"] for c in ambiguous["candidates"]} == {"Website", str(website_id)}
        tier = await refused("tier_required", "create_invoice", {"client": "Acme", "lines": []})
        assert tier["required_tier"] == "pro"


@TRANSPORTS
async def test_a_strict_mode_update_changes_only_what_it_names(connect, transport):
    async with connect(transport) as server:
        tools = {tool.name: tool for tool in await server.list_tools()}
        is_error, project, _ = await call(server, "create_project", {"name": "Website"})
        assert is_error is False
        is_error, logged, _ = await call(
            server,
            "log_track",
            {"start": "2026-11-24 09:00", "end": "2026-11-24 10:00", "description": "Draft", "project": "Website"},
        )
        assert is_error is False, logged
        track = logged["track"] if "track" in logged else logged
        # A strict-mode model sends every property: null for what it leaves alone.
        strict = ensure_strict_json_schema(json.loads(json.dumps(tools["update_track"].input_schema)))
        arguments = {name: not_given(schema) for name, schema in strict["properties"].items()}
        arguments.update({"id": track["id"], "description": "Final"})
        await invoke(server, tools, "update_track", arguments)
        is_error, after, _ = await call(server, "get_track", {"id": track["id"]})
        assert is_error is False
        after = after["track"] if "track" in after else after
        assert after["description"] == "Final"
        assert after["project"] is not None and after["project"]["name"] == "Website", after
        assert after["start"] == track["start"] and after["end"] == track["end"]


def not_given(schema):
    """What a strict-mode model sends for a property it does not mean to set."""
    if any(branch.get("type") == "null" for branch in schema.get("anyOf", [])) or schema.get("type") == "null":
        return None
    if schema.get("type") == "boolean":
        return False
    return None
