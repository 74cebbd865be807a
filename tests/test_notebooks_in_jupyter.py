"""Every shipped notebook runs as shipped in a real Jupyter server, as JupyterLab runs it.

A Jupyter server (the one JupyterLab runs on) is started on 127.0.0.1 on a free port with
``ADOPTION_WORKSPACE`` pointing at the demo workspace, as ``make lab`` starts it. Each notebook
is opened as JupyterLab opens it (``POST /api/sessions``: a kernel started in the notebook's
folder) and its cells are executed one by one over the kernel's websocket, with no parameter
injected: the notebook must find its workspace and period by itself. Every wait has a
deadline and the server is shut down whatever happens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
SHIPPED = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
START_TIMEOUT = 120  # seconds for the server to answer
CELL_TIMEOUT = 300  # seconds for one cell (the report's sections take a few each)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running Jupyter server: its URL, token and REST calls."""

    def __init__(self, process: subprocess.Popen, port: int, token: str, log: Path):
        self.process, self.port, self.token, self.log = process, port, token, log
        self.url = f"http://127.0.0.1:{port}"

    def request(self, method: str, path: str, body: object = None, *, timeout: float = 30):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read()
        return json.loads(text) if text else None

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])


@pytest.fixture(scope="module")
def jupyter(demo_workspace, tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(NOTEBOOKS, root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    home = root / "jupyter-home"
    env = os.environ | {
        "ADOPTION_WORKSPACE": str(demo_workspace.root),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "MPLBACKEND": "Agg",
    }
    port, token = _free_port(), secrets.token_hex(16)
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             # containers (CI) run as root, which the server refuses unless told
             *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    server = Server(process, port, token, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"the Jupyter server exited with {process.returncode}:\n"
                            f"{server.log_tail()}")
            try:
                server.request("GET", "/api/status", timeout=5)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"the Jupyter server did not answer within {START_TIMEOUT} s:\n"
                                f"{server.log_tail()}")
                time.sleep(0.5)
        yield server
    finally:
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
            server.request("POST", "/api/shutdown", timeout=10)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _message(session: str, code: str) -> dict:
    return {
        "header": {"msg_id": uuid.uuid4().hex, "username": "test", "session": session,
                   "msg_type": "execute_request", "version": "5.3",
                   "date": dt.datetime.now(dt.UTC).isoformat()},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    }


def _execute(ws, session: str, code: str) -> tuple[dict, list[dict]]:
    """Run ``code`` in the kernel: its ``execute_reply`` content and its output messages."""
    import websocket

    request = _message(session, code)
    msg_id = request["header"]["msg_id"]
    ws.send(json.dumps(request))
    reply, outputs, idle = None, [], False
    deadline = time.monotonic() + CELL_TIMEOUT
    while reply is None or not idle:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no answer within {CELL_TIMEOUT} s to:\n{code}")
        ws.settimeout(left)
        try:
            msg = json.loads(ws.recv())
        except websocket.WebSocketTimeoutException as e:
            raise TimeoutError(f"no answer within {CELL_TIMEOUT} s to:\n{code}") from e
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if msg["channel"] == "shell" and kind == "execute_reply":
            reply = msg["content"]
        elif kind == "status":
            idle = msg["content"]["execution_state"] == "idle"
        elif kind in ("stream", "display_data", "execute_result", "error"):
            outputs.append(msg)
    return reply, outputs


@pytest.mark.parametrize("name", SHIPPED)
def test_notebook_runs_as_shipped(jupyter, demo_workspace, name):
    import websocket

    assert set(SHIPPED) >= {"adoption_report.ipynb", "explore.ipynb", "sentiment_report.ipynb"}
    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    session = jupyter.request("POST", "/api/sessions", {
        "path": f"notebooks/{name}", "name": name, "type": "notebook",
        "kernel": {"name": "python3"}})
    kernel = session["kernel"]["id"]
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{jupyter.port}/api/kernels/{kernel}/channels"
        f"?session_id={session['id']}",
        header=[f"Authorization: token {jupyter.token}"], timeout=CELL_TIMEOUT)
    errors, shown = [], 0
    try:
        for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
            reply, outputs = _execute(ws, session["id"], "".join(cell["source"]))
            for out in outputs:
                if out["msg_type"] == "error":
                    errors.append(f"cell {i} ({cell.get('id')}): {out['content']['ename']}: "
                                  f"{out['content']['evalue']}")
            if reply["status"] != "ok":
                errors.append(f"cell {i} ({cell.get('id')}): execute_reply {reply['status']}")
                break
            shown += sum(o["msg_type"] in ("display_data", "execute_result") for o in outputs)
        # the defaults came from ADOPTION_WORKSPACE and the data, nothing else was given
        _, outputs = _execute(ws, session["id"], "str(workspace.root)")
        root = [o["content"]["data"]["text/plain"] for o in outputs
                if o["msg_type"] == "execute_result"]
    finally:
        ws.close()
        jupyter.request("DELETE", f"/api/sessions/{session['id']}")
    assert errors == [], f"{name}: {errors}\nserver log:\n{jupyter.log_tail()}"
    assert root == [repr(str(demo_workspace.root))]
    # every table and chart cell showed something (more than a handful per notebook)
    assert shown >= 9, shown
