"""Fixtures: the real `teetrack` binary, a database of its own, a user and a
token made with the CLI, as an operator would."""

import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from mcp.client.stdio import StdioServerParameters

REPO = Path(__file__).resolve().parents[3]
EMAIL = "ada@example.com"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session")
def teetrack_bin() -> str:
    # Set by run.sh; the default suits a plain `pytest` after `cargo build`.
    path = Path(os.environ.get("TEETRACK_BIN", REPO / "target" / "debug" / "teetrack"))
    if not path.is_file():
        pytest.fail(f"no teetrack binary at {path}: run `cargo build -p teetrack` or set TEETRACK_BIN")
    return str(path)


@dataclass
class Account:
    env: dict
    token: str


@pytest.fixture
def database_url(tmp_path):
    """A SQLite file of the test's own; with TEETRACK_TEST_POSTGRES set (as
    scripts/test sets it for its PostgreSQL pass), a fresh database on that
    server instead, dropped after the test."""
    server = os.environ.get("TEETRACK_TEST_POSTGRES", "").strip().rstrip("/")
    if not server:
        yield str(tmp_path / "teetrack.db")
        return
    name = f"teetrack_interop_{os.getpid()}_{uuid.uuid4().hex[:12]}"

    def psql(sql: str) -> None:
        subprocess.run(["psql", f"{server}/postgres", "-qAtc", sql], check=True, capture_output=True)

    psql(f"CREATE DATABASE {name}")
    yield f"{server}/{name}"
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def account(teetrack_bin, tmp_path, database_url) -> Account:
    """A fresh database with a user and a token, made with the CLI."""
    env = {
        "TEETRACK_DATABASE_URL": database_url,
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
    }

    def cli(*args: str) -> str:
        done = subprocess.run([teetrack_bin, *args], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("users", "add", EMAIL, "--name", "Ada")
    return Account(env=env, token=cli("tokens", "create", EMAIL, "--name", "interop").strip())


@pytest.fixture
def server(teetrack_bin, account) -> StdioServerParameters:
    """`teetrack mcp` for a fresh user, authenticated by a fresh token."""
    return StdioServerParameters(
        command=teetrack_bin,
        args=["mcp"],
        env={"TEETRACK_DATABASE_URL": account.env["TEETRACK_DATABASE_URL"], "TEETRACK_MCP_TOKEN": account.token},
    )


@dataclass
class HttpServer:
    url: str
    token: str


@pytest.fixture
def http_server(teetrack_bin, account):
    """`teetrack serve` on a free loopback port, for the same user."""
    process = subprocess.Popen(
        [teetrack_bin, "serve", "--listen", "127.0.0.1:0"],
        env=account.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stderr.readline().strip()
        prefix = "teetrack: serving MCP at "
        assert line.startswith(prefix), line
        yield HttpServer(url=line[len(prefix) :], token=account.token)
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
