"""A full workflow across every area, driven by the official MCP Python client
(PyPI `mcp` 2.x) over stdio against the real `teetrack mcp`, in the `legacy`
and `auto` connection modes.

Ada (made pro with `teetrack users set-tier`, as an operator would) sets her
time zone, creates a client, a budgeted project and a tag, times half an
hour, logs an hour and a half, and bills the two hours: generate, send, CSV.
Then the totals, the budget and her subscription. Every result must be a
success whose structuredContent (checked by the client against the tool's
outputSchema) is the same JSON as its text content.

The server runs on the real clock, so times are written relative to now
(whole minutes, in UTC with an offset, which every time argument accepts).
"""

import json
import subprocess
from datetime import date, datetime, timedelta, timezone

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from conftest import EMAIL

pytestmark = pytest.mark.anyio

MODES = pytest.mark.parametrize("mode", ["legacy", "auto"])


@pytest.fixture
def pro_server(teetrack_bin, account) -> StdioServerParameters:
    """`teetrack mcp` for a user the operator moved to the pro tier."""
    done = subprocess.run(
        [teetrack_bin, "users", "set-tier", EMAIL, "pro"],
        env=account.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return StdioServerParameters(
        command=teetrack_bin,
        args=["mcp"],
        env={"TEETRACK_DATABASE_URL": account.env["TEETRACK_DATABASE_URL"], "TEETRACK_MCP_TOKEN": account.token},
    )


async def call(client: Client, tool: str, arguments: dict) -> dict:
    """A tool call that must succeed; its structured result."""
    result = await client.call_tool(tool, arguments)
    assert result.is_error is False, (tool, result.content)
    assert result.structured_content is not None, tool
    assert len(result.content) == 1, tool
    assert json.loads(result.content[0].text) == result.structured_content, tool
    return result.structured_content


def rfc3339(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


@MODES
async def test_a_month_end_in_one_session_from_context_to_invoice_csv(pro_server, mode):
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    # Logged: 3 h ago to 1 h 30 ago (90 min). Timed: 45 to 15 min ago (30 min).
    logged_start, logged_end = now - timedelta(hours=3), now - timedelta(minutes=90)
    timer_start, timer_end = now - timedelta(minutes=45), now - timedelta(minutes=15)

    async with Client(pro_server, mode=mode) as client:
        # The client validates structuredContent against the listed schemas.
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert len(tools) == 44

        # Context, then settings.
        context = await call(client, "get_context", {})
        assert context["user"]["email"] == EMAIL
        assert context["user"]["tier"] == "pro"
        assert context["running_timers"] == []
        settings = await call(client, "update_settings", {"time_zone": "Europe/Berlin"})
        assert settings["changed"] == ["time_zone"]
        assert settings["settings"]["time_zone"] == "Europe/Berlin"
        assert settings["settings"]["rounding"]["mode"] == "none"
        context = await call(client, "get_context", {})
        assert context["time_zone"] == "Europe/Berlin"
        assert context["now"]["local"][-6:] in ("+01:00", "+02:00")

        # A client, its budgeted project, a tag.
        acme = (
            await call(
                client,
                "create_client",
                {"name": "Acme GmbH", "currency": "EUR", "payment_terms_days": 14},
            )
        )["client"]
        assert acme["currency"] == "EUR"
        assert acme["payment_terms_days"] == 14
        project = (
            await call(
                client,
                "create_project",
                {
                    "name": "Website relaunch",
                    "client": "acme gmbh",
                    "hourly_rate": "95.00",
                    "budget": {"hours": 10, "period": "total"},
                },
            )
        )["project"]
        assert project["client"] == {"id": acme["id"], "name": "Acme GmbH"}
        assert project["billable"] is True
        assert project["new_tracks"]["hourly_rate"] == "95.00"
        assert project["new_tracks"]["currency"] == "EUR"
        assert project["budget"]["period"] == "total"
        tag = (await call(client, "create_tag", {"name": "design", "color": "#3366cc"}))["tag"]
        assert tag["name"] == "design"
        assert tag["track_count"] == 0

        # A timer, started and stopped half an hour later.
        started = await call(
            client,
            "start_timer",
            {"project": project["id"], "description": "Wireframes", "start": rfc3339(timer_start)},
        )
        assert started["stopped"] == []
        assert started["timer"]["running"] is True
        assert started["timer"]["end"] is None
        assert started["timer"]["start"]["utc"] == rfc3339(timer_start)
        stopped = await call(client, "stop_timer", {"end": rfc3339(timer_end)})
        timed = stopped["track"]
        assert timed["id"] == started["timer"]["id"]
        assert timed["running"] is False
        assert timed["duration_seconds"] == 30 * 60
        assert timed["amount"] == "47.50"  # 0.5 h × 95.00

        # Time logged afterwards, with the tag.
        logged = (
            await call(
                client,
                "log_track",
                {
                    "project": "Website relaunch",
                    "description": "Landing page copy",
                    "tags": ["design"],
                    "start": rfc3339(logged_start),
                    "end": rfc3339(logged_end),
                },
            )
        )["track"]
        assert logged["duration_seconds"] == 90 * 60
        assert logged["duration"] == "1:30:00"
        assert logged["tags"] == [{"id": tag["id"], "name": "design"}]
        assert logged["hourly_rate"] == "95.00"
        assert logged["amount"] == "142.50"  # 1.5 h × 95.00
        assert logged["start"]["utc"] == rfc3339(logged_start)

        tracks = await call(client, "list_tracks", {"project": "Website relaunch", "totals": True})
        assert [t["id"] for t in tracks["tracks"]] == [timed["id"], logged["id"]]  # newest first
        assert tracks["total_count"] == 2
        assert tracks["total_seconds"] == 2 * 3600
        assert tracks["total_duration"] == "2:00:00"

        # Bill the two hours: 2.00 h × 95.00 = 190.00 EUR.
        generated = await call(
            client,
            "generate_invoice",
            {"client": "Acme GmbH", "from": rfc3339(logged_start), "to": "now"},
        )
        draft = generated["invoice"]
        assert generated["skipped"] == {"running": 0, "not_billable": 0, "already_invoiced": 0, "other_currency": 0}
        assert draft["status"] == "draft"
        assert draft["number"] is None
        assert draft["currency"] == "EUR"
        assert draft["track_count"] == 2
        assert len(draft["lines"]) == 1
        line = draft["lines"][0]
        assert line["description"] == "Website relaunch"
        assert line["quantity"] == "2.00"
        assert line["duration"] == "2:00:00"
        assert line["unit_price"] == "95.00"
        assert line["amount"] == "190.00"
        assert sorted(line["track_ids"]) == sorted([timed["id"], logged["id"]])
        assert draft["total"] == "190.00"

        sent = (await call(client, "mark_invoice_sent", {"id": draft["id"]}))["invoice"]
        issued = date.fromisoformat(sent["issue_date"])
        assert sent["status"] == "sent"
        assert sent["number"] == f"INV-{issued.year}-0001"
        assert sent["due_date"] == (issued + timedelta(days=14)).isoformat()

        exported = await call(client, "export_invoice_csv", {"id": draft["id"]})
        assert exported["filename"] == f"invoice-INV-{issued.year}-0001.csv"
        assert exported["content_type"] == "text/csv; charset=utf-8"
        assert exported["rows"] == 1
        assert exported["csv"] == (
            "invoice_number,issue_date,client,description,duration,quantity,unit_price,amount,currency\r\n"
            f"INV-{issued.year}-0001,{issued.isoformat()},Acme GmbH,Website relaunch,02:00:00,2.00,95.00,190.00,EUR\r\n"
        )

        # The same two hours in the reports.
        totals = await call(
            client,
            "get_time_totals",
            {"from": rfc3339(logged_start), "to": "now", "split_by": "project"},
        )
        assert totals["total"]["seconds"] == 2 * 3600
        assert totals["total"]["rounded_seconds"] == 2 * 3600
        assert totals["total"]["hours"] == "2.00"
        assert totals["total"]["amounts"] == [{"currency": "EUR", "amount": "190.00"}]
        assert totals["total"]["track_count"] == 2
        assert [(g["name"], g["hours"]) for g in totals["groups"]] == [("Website relaunch", "2.00")]
        assert totals["running_track_ids"] == []

        budget = await call(client, "get_budget_status", {"project": "Website relaunch"})
        [status] = budget["projects"]
        assert status["period"] == "total"
        assert status["status"] == "ok"
        assert status["running"] is False
        assert status["hours"] == {"budget": "10.00", "used": "2.00", "remaining": "8.00", "percent": 20.0, "status": "ok"}
        assert status["amount"] is None

        subscription = await call(client, "get_subscription", {})
        assert subscription["tier"] == "pro"
        assert subscription["locked_tools"] == []
        assert subscription["limits"]["invoices"] is True
        assert subscription["limits"]["budgets"] is True
        assert subscription["usage"]["projects"] == {"used": 1, "limit": None, "remaining": None, "at_limit": False}
        assert subscription["usage"]["clients"]["used"] == 1
        assert subscription["usage"]["api_tokens"]["used"] == 1  # the session's own token
        assert [t["tier"] for t in subscription["tiers"] if t["current"]] == ["pro"]
