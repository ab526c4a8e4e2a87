"""The Docker image, built as far as a machine without a Docker engine allows: its package lists
are the ones `make` installs, its build context (the tree less .dockerignore) holds what the app
imports, and its command, run here from that context, serves /health."""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
VENV_BIN = Path(sys.executable).parent
WEB_COMMAND = ["gunicorn", "--config", "gunicorn.conf.py", "app:create_app()"]
WORKER_COMMAND = ["flask", "--app", "app", "worker"]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    lines = [line for line in DOCKERFILE.read_text().splitlines() if not line.startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in (raw.strip() for raw in joined.splitlines())
        if line
    ]


def arguments(name: str) -> list[str]:
    return [args for instruction, args in instructions() if instruction == name]


def apt_packages(command: str) -> set[str]:
    """The packages an `apt-get install` in a shell command names (options left out)."""
    match = re.search(r"apt-get install ((?:\S+ ?)+)", command)
    assert match, f"no apt-get install in {command!r}"
    words = match.group(1).split("&&")[0].split(";")[0].split(">")[0].split()
    return {word for word in words if not word.startswith("-")}


def makefile_recipe(target: str) -> str:
    text = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert match, f"no {target} target in the Makefile"
    return match.group(1)


def test_the_image_is_built_in_stages_on_debian_python_slim():
    stages = arguments("FROM")
    assert len(stages) >= 2
    image_arg = next(a for a in arguments("ARG") if a.startswith("PYTHON_IMAGE="))
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.\d+-slim-(bookworm|trixie)", image_arg)
    assert stages[0].startswith("${PYTHON_IMAGE} AS build")


def test_the_image_installs_the_browser_packages_make_installs_and_no_other_apt_source():
    runs = [args for args in arguments("RUN") if "apt-get install" in args]
    assert len(runs) == 1
    assert apt_packages(runs[0]) == apt_packages(makefile_recipe("browser"))
    assert "--no-install-recommends" in runs[0]
    steps = " ".join(args for _, args in instructions())
    for third_party in ("sources.list", "apt-key", "gpg", "dl.google.com", "curl", "wget"):
        assert third_party not in steps, third_party


def test_the_image_installs_the_pinned_lock_with_hashes_as_make_does():
    make_install = re.search(
        r"install (.*--require-hashes -r requirements\.lock)", makefile_recipe("$(VENV)/.runtime")
    )
    assert make_install, "the Makefile installs requirements.lock with --require-hashes"
    installs = [args for args in arguments("RUN") if "pip install" in args]
    assert len(installs) == 1
    assert re.search(r"--require-hashes -r \S*requirements\.lock", installs[0])
    assert "requirements.lock" in " ".join(arguments("COPY"))
    assert "requirements.txt" not in " ".join(args for _, args in instructions())


def test_the_image_runs_as_a_numeric_non_root_user_with_a_health_check_on_health():
    final_user = arguments("USER")[-1]
    assert final_user == "${APP_UID}:${APP_UID}"
    assert re.search(r"ARG APP_UID=(\d+)", DOCKERFILE.read_text()).group(1) != "0"
    (healthcheck,) = arguments("HEALTHCHECK")
    assert "urllib.request" in healthcheck and "/health" in healthcheck
    assert "curl" not in healthcheck


def test_the_image_command_is_gunicorn_with_the_committed_config():
    (command,) = arguments("CMD")
    assert shlex.split(command.strip("[]").replace(",", " ")) == WEB_COMMAND


def test_the_tailwind_css_the_image_serves_is_already_compiled_into_static():
    css = ROOT / "static" / "css" / "app.css"
    assert css.stat().st_size > 1000
    assert "static/css/src" in dockerignore_patterns()  # the source stays out; the output is in


# The build context: the tree as `COPY . /app` sees it through .dockerignore.


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path (or a folder above it) decides; `!`
    keeps. Patterns are matched with fnmatch, `**/` standing for any folders (enough for ours)."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        body = pattern.lstrip("!").rstrip("/")
        bodies = {body, body.removeprefix("**/")} if body.startswith("**/") else {body}
        for candidate in candidates:
            names = {candidate, candidate.rsplit("/", 1)[-1]} if "**/" in body else {candidate}
            if any(fnmatch.fnmatchcase(name, b) for name in names for b in bodies):
                verdict = not keep
    return verdict


def build_context() -> list[str]:
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    patterns = dockerignore_patterns()
    return [path for path in tracked if not ignored(path, patterns) and (ROOT / path).exists()]


def test_the_build_context_leaves_out_secrets_tests_and_local_state():
    context = build_context()
    for left_out in ("tests/", "bench/", "sandbox/", "node_modules/", ".venv/", ".git/", "k8s/"):
        assert not any(path.startswith(left_out) for path in context), left_out
    assert ".env" not in context and ".env.demo" not in context
    for needed in ("app.py", "config.py", "requirements.lock", "static/css/app.css"):
        assert needed in context, needed
    assert any(path.startswith("migrations/") for path in context)
    assert any(path.startswith("templates/") for path in context)


@pytest.fixture(scope="module")
def image_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """/app of the image: the build context copied as `COPY . /app` does."""
    target = tmp_path_factory.mktemp("image") / "app"
    for path in build_context():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target / path)
    return target


def image_env(database_url: str, port: int) -> dict[str, str]:
    """The container's environment (Dockerfile ENV + docker-compose.yml's), on this machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DB_", "PORTAL_", "DAILY"))}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env['PATH']}",  # the image's /opt/venv/bin first
        DATABASE_URL=database_url,
        SECRET_KEY="image-test-secret",
        FLASK_HOST="127.0.0.1",  # 0.0.0.0 in the image; loopback on a shared test machine
        FLASK_PORT=str(port),
        WEB_CONCURRENCY="2",
        JOBS_MODE="queue",
        LOG_LEVEL="WARNING",
        SCHEDULER_ENABLED="false",
    )
    env["INSTANCE_PATH"] = str(Path(env.get("TMPDIR", "/tmp")) / f"medsync-image-{port}")
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_app_imports_from_the_build_context_alone(image_tree: Path):
    result = subprocess.run(
        [sys.executable, "-c", "import app, cli, sync; print(app.create_app.__name__)"],
        cwd=image_tree,
        env={**os.environ, "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def image_server(image_tree: Path, database_url: str) -> Iterator[tuple[int, dict[str, str]]]:
    """The image's CMD, run in the image's /app, on a free port against the test database."""
    port = free_port()
    env = image_env(database_url, port)
    process = subprocess.Popen(
        WEB_COMMAND, cwd=image_tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        yield port, env
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_health(port: int, seconds: float = 60.0) -> int:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_image_command_serves_health_and_passes_its_own_healthcheck(image_server):
    port, env = image_server
    assert wait_for_health(port) == 200
    (healthcheck,) = arguments("HEALTHCHECK")
    probe = shlex.split(healthcheck.split("CMD", 1)[1].strip().strip("[]").replace('", "', '" "'))
    result = subprocess.run(
        [sys.executable, *probe[1:]], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_worker_command_of_compose_and_kubernetes_exists(image_tree: Path, database_url: str):
    env = image_env(database_url, free_port())
    result = subprocess.run(
        [*WORKER_COMMAND, "--help"], cwd=image_tree, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
