"""Fixtures: the real `teetrack` binary, a database of its own, a user and a
token made with the CLI, as an operator would."""

import os
import subprocess
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


@pytest.fixture
def server(teetrack_bin, tmp_path) -> StdioServerParameters:
    """`teetrack mcp` for a fresh user, authenticated by a fresh token."""
    env = {
        "TEETRACK_DATABASE_URL": str(tmp_path / "teetrack.db"),
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
    }

    def cli(*args: str) -> str:
        done = subprocess.run([teetrack_bin, *args], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("users", "add", EMAIL, "--name", "Ada")
    token = cli("tokens", "create", EMAIL, "--name", "interop").strip()
    return StdioServerParameters(
        command=teetrack_bin,
        args=["mcp"],
        env={"TEETRACK_DATABASE_URL": env["TEETRACK_DATABASE_URL"], "TEETRACK_MCP_TOKEN": token},
    )
