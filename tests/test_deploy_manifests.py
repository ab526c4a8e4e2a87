"""docker-compose.yml and k8s/ say what the README's Deployment section says, run the image's
own commands, and `make deploy-check` refuses a broken file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from tests import deploy_check
from tests.test_deploy_image import WEB_COMMAND, WORKER_COMMAND

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, str], dict[str, Any]]:
    """The example overlay as kubectl would apply it: (kind, name) → object."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl (its built-in kustomize) is not installed")
    text = deploy_check.render(ROOT / "k8s" / "overlays" / "example")
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in yaml.safe_load_all(text) if doc}


def container(rendered, name: str) -> dict[str, Any]:
    (only,) = rendered[("Deployment", name)]["spec"]["template"]["spec"]["containers"]
    return only


def test_compose_runs_postgres_17_healthy_on_a_named_volume_before_the_app():
    services = compose()["services"]
    db = services["db"]
    assert db["image"].startswith("postgres:17")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"]
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_app_is_the_images_gunicorn_and_the_worker_its_worker_command():
    services = compose()["services"]
    assert "command" not in services["app"]  # the image's CMD: gunicorn with gunicorn.conf.py
    assert services["worker"]["command"] == WORKER_COMMAND
    for name in ("app", "worker"):
        service = services[name]
        assert service["image"] == services["app"]["image"]
        assert service["env_file"] == ".env"
        assert service["environment"]["JOBS_MODE"] == "queue"
        assert service["environment"]["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert service["read_only"] is True


def test_compose_offers_selenium_standalone_chromium_only_under_a_profile():
    selenium = compose()["services"]["selenium"]
    assert selenium["image"].startswith("selenium/standalone-chromium:")
    assert selenium["profiles"] == ["browser"]


def test_env_example_names_every_secret_compose_requires():
    example = (ROOT / ".env.example").read_text()
    for secret in ("DB_PASSWORD", "SECRET_KEY"):
        assert f"# {secret}=" in example or f"\n{secret}=" in example


def test_kubernetes_runs_the_images_commands(rendered):
    assert container(rendered, "medsync-app")["command"] == WEB_COMMAND
    assert container(rendered, "medsync-worker")["command"] == WORKER_COMMAND


def test_kubernetes_app_is_ready_on_health_alive_on_a_cheap_page_and_locked_down(rendered):
    app = container(rendered, "medsync-app")
    assert app["readinessProbe"]["httpGet"]["path"] == "/health"
    assert app["livenessProbe"]["httpGet"]["path"] == "/login"
    assert app["resources"]["requests"] and app["resources"]["limits"]
    security = app["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    pod = rendered[("Deployment", "medsync-app")]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    tmp = next(v for v in pod["volumes"] if v["name"] == "tmp")
    assert "emptyDir" in tmp
    assert {"name": "tmp", "mountPath": "/tmp"} in app["volumeMounts"]


def test_kubernetes_has_every_part_the_readme_names(rendered):
    for part in (
        ("Namespace", "medsync"),
        ("ConfigMap", "medsync-config"),
        ("StatefulSet", "postgres"),
        ("Service", "postgres"),
        ("Deployment", "medsync-app"),
        ("Service", "medsync-app"),
        ("Deployment", "medsync-worker"),
        ("Ingress", "medsync"),
        ("PodDisruptionBudget", "medsync-app"),
        ("Deployment", "selenium-hub"),
        ("Deployment", "selenium-node-chromium"),
    ):
        assert part in rendered, part
    claims = rendered[("StatefulSet", "postgres")]["spec"]["volumeClaimTemplates"]
    assert claims[0]["spec"]["resources"]["requests"]["storage"]
    assert any(kind == "Secret" and name.startswith("medsync-secrets") for kind, name in rendered)
    config = rendered[("ConfigMap", "medsync-config")]["data"]
    assert config["SELENIUM_REMOTE_URL"].startswith("http://selenium-hub:4444")


def test_only_the_web_replicas_run_the_scheduler_and_no_cronjob_exists(rendered):
    def scheduler(name: str) -> str:
        env = {e["name"]: e.get("value") for e in container(rendered, name).get("env", [])}
        return env["SCHEDULER_ENABLED"]

    assert scheduler("medsync-app") == "true"
    assert scheduler("medsync-worker") == "false"
    assert not any(kind == "CronJob" for kind, _ in rendered)


def test_the_liveness_page_answers_without_touching_the_database(client):
    from database import db

    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get("/login")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert statements == []


def test_deploy_check_refuses_a_compose_file_with_a_misspelt_key(tmp_path):
    broken = (ROOT / "docker-compose.yml").read_text().replace("depends_on:", "depend_on:", 1)
    (tmp_path / "docker-compose.yml").write_text(broken)
    errors = deploy_check.compose_errors(tmp_path / "docker-compose.yml")
    assert errors and "depend_on" in " ".join(errors)
    assert deploy_check.compose_errors() == []


def test_deploy_check_refuses_a_kubernetes_object_with_an_unknown_field(rendered):
    text = deploy_check.render(ROOT / "k8s" / "overlays" / "example")
    assert deploy_check.kubernetes_errors(text, "example") == []
    broken = text.replace("containerPort: 5000", "containerPorts: 5000", 1)
    errors = deploy_check.kubernetes_errors(broken, "broken")
    assert errors and "containerPort" in " ".join(errors)
