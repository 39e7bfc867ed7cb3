"""The official MCP Python client's OAuth support against `teetrack serve`,
the way a remote connector signs in: a 401 names the protected resource
metadata, the client discovers the authorization server, registers itself
(RFC 7591), sends the user to the consent page with PKCE, and exchanges the
code. The "user" here submits the real HTML form with an HTTP client, signing
in with a one-time code from `teetrack login-code`. Then: tool calls with the
access token, a refresh (rotation), and revocation (then 401).
"""

import subprocess
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from conftest import EMAIL

pytestmark = pytest.mark.anyio

REDIRECT_URI = "http://127.0.0.1:1/callback"


class MemoryStorage:
    def __init__(self):
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info):
        self.client_info = client_info


class ConsentForm(HTMLParser):
    """The consent page's form: its action and its named inputs."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}
        self.boxes = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("type") == "checkbox":
            self.boxes.append(attrs["value"])
        elif tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_data(self, data):
        self.text.append(data)


class Browser:
    """Plays the user: opens the authorization URL, reads the consent page,
    signs in with a one-time code and approves; keeps the redirect."""

    def __init__(self, login_code, keep=None):
        self.login_code = login_code
        # The scope boxes to leave ticked (None: all).
        self.keep = keep
        self.pages = []
        self.result = None

    async def redirect_handler(self, authorization_url: str) -> None:
        async with httpx2.AsyncClient(follow_redirects=False) as http:
            page = await http.get(authorization_url)
            assert page.status_code == 200, page.text
            assert page.headers["x-frame-options"] == "DENY"
            form = ConsentForm()
            form.feed(page.text)
            self.pages.append("".join(form.text))
            assert "interop connector wants to use your Teetrack" in self.pages[-1]
            fields = list(dict(form.fields, credential=self.login_code(), decision="approve").items())
            fields += [("grant", scope) for scope in form.boxes if self.keep is None or scope in self.keep]
            answer = await http.post(
                urljoin(authorization_url, form.action),
                content=urlencode(fields),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            assert answer.status_code == 303, answer.text
            location = answer.headers["location"]
            assert location.startswith(REDIRECT_URI), location
            query = parse_qs(urlparse(location).query)
            self.result = AuthorizationCodeResult(
                code=query["code"][0], state=query["state"][0], iss=query.get("iss", [None])[0]
            )

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.result is not None
        return self.result


@pytest.fixture
def login_code(teetrack_bin, account):
    def make() -> str:
        done = subprocess.run(
            [teetrack_bin, "login-code", EMAIL], env=account.env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    return make


async def call_raw(url, token, tool="get_context"):
    """One tools/call with a bare bearer token, outside the SDK."""
    async with httpx2.AsyncClient() as http:
        return await http.post(
            url,
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json, text/event-stream",
                "Content-Type": "application/json",
                "MCP-Protocol-Version": "2025-06-18",
            },
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": {}}},
        )


async def test_discovery_registration_consent_tokens_refresh_and_revocation(http_server, login_code):
    storage = MemoryStorage()
    browser = Browser(login_code)
    provider = OAuthClientProvider(
        server_url=http_server.url,
        client_metadata=OAuthClientMetadata(
            client_name="interop connector",
            redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
        ),
        storage=storage,
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )
    transport = streamable_http_client(http_server.url, http_client=httpx2.AsyncClient(auth=provider))
    async with Client(transport, mode="legacy") as client:
        # The first request got a 401, and the whole sign-in ran inside it.
        result = await client.call_tool("get_context", {})
        assert result.is_error is False
        assert result.structured_content["user"]["email"] == EMAIL
        assert len(browser.pages) == 1
        page = browser.pages[0]
        for scope in ["tracks:read", "tracks:write", "invoices", "admin"]:
            assert scope in page
        assert storage.client_info.client_id.startswith("ttclient_")
        first = storage.tokens
        assert first.access_token.startswith("tta_") and first.refresh_token.startswith("ttr_")

        logged = await client.call_tool(
            "log_track", {"start": "2026-11-24 09:00", "end": "2026-11-24 10:30", "description": "OAuth"}
        )
        assert logged.is_error is False, logged.structured_content

        # The access token runs out: the client refreshes, and the rotated
        # pair replaces the old one, which stops working.
        provider.context.token_expiry_time = time.time() - 1
        tracks = await client.call_tool("list_tracks", {})
        assert tracks.is_error is False
        assert [t["description"] for t in tracks.structured_content["tracks"]] == ["OAuth"]
        second = storage.tokens
        assert second.access_token != first.access_token
        assert second.refresh_token != first.refresh_token
        assert len(browser.pages) == 1
    assert (await call_raw(http_server.url, first.access_token)).status_code == 401
    assert (await call_raw(http_server.url, second.access_token)).status_code == 200

    # Revocation (RFC 7009) at the endpoint the metadata names: then 401.
    async with httpx2.AsyncClient() as http:
        base = http_server.url.removesuffix("/api/mcp")
        metadata = (await http.get(f"{base}/.well-known/oauth-authorization-server")).json()
        revoked = await http.post(
            metadata["revocation_endpoint"],
            data={"token": second.refresh_token, "client_id": storage.client_info.client_id},
        )
        assert revoked.status_code == 200
    denied = await call_raw(http_server.url, second.access_token)
    assert denied.status_code == 401
    assert "resource_metadata=" in denied.headers["www-authenticate"]


async def test_a_scope_the_user_unticked_gets_403_insufficient_scope(http_server, login_code):
    storage = MemoryStorage()
    browser = Browser(login_code, keep={"tracks:read"})
    provider = OAuthClientProvider(
        server_url=http_server.url,
        client_metadata=OAuthClientMetadata(client_name="interop connector", redirect_uris=[REDIRECT_URI]),
        storage=storage,
        redirect_handler=browser.redirect_handler,
        callback_handler=browser.callback_handler,
    )
    transport = streamable_http_client(http_server.url, http_client=httpx2.AsyncClient(auth=provider))
    async with Client(transport, mode="legacy") as client:
        assert (await client.call_tool("list_tracks", {})).is_error is False
    assert storage.tokens.scope == "tracks:read"
    refused = await call_raw(http_server.url, storage.tokens.access_token, tool="update_settings")
    assert refused.status_code == 403
    challenge = refused.headers["www-authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="admin"' in challenge
