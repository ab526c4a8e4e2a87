"""`make deploy-check`'s checks that no single tool does: the compose file against the
compose-spec JSON schema, and the kustomize output rendered and validated.

    python -m tests.deploy_check

- docker-compose.yml is read as Compose reads it (YAML merge keys resolved) and validated against
  the compose-spec schema vendored in docs/schemas/compose-spec.json (see docs/schemas/README.md
  for where it came from), so a misspelt key or a wrong type fails here, without Docker.
- k8s/base and every overlay under k8s/overlays are rendered by `kubectl kustomize` (the
  kustomize built into kubectl) and every rendered object is validated by kubernetes-validate
  against the Kubernetes schemas its wheel ships (offline, strict: unknown fields fail).

hadolint (Dockerfile) and yamllint (all YAML) run from the Makefile directly. Exit status 1 with
one line per problem when anything fails.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = ROOT / "docs" / "schemas" / "compose-spec.json"
K8S = ROOT / "k8s"
KUBERNETES_VERSION = "1.33.0"  # the oldest Kubernetes still supported upstream when written
VALIDATOR = Path(sys.executable).parent / "kubernetes-validate"


class DeployCheckError(RuntimeError):
    """A check could not run (a tool is missing); the message says what to install."""


class DeployCheckSkipped(RuntimeError):
    """A check this machine cannot make (no kubectl to render an overlay): a warning, not a
    failure, so a machine without kubectl still checks everything else."""


def compose_errors(path: Path = COMPOSE_FILE) -> list[str]:
    """Every way the compose file breaks the compose-spec schema, as `where: what` lines."""
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    document = yaml.safe_load(path.read_text())
    # The schema names draft 2019-09 by a URL jsonschema does not know: say it outright.
    validator = jsonschema.Draft201909Validator(schema)
    return [
        f"{path.name}: {error.json_path}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: e.json_path)
    ]


def kustomizations() -> list[Path]:
    """The base and every overlay: each directory of k8s/ a user may render (not components)."""
    return [K8S / "base", *sorted(p.parent for p in K8S.glob("overlays/*/kustomization.yaml"))]


def unrendered(directory: Path) -> str:
    """The resource files a kustomization lists, joined as they are (no kustomize here)."""
    listed = yaml.safe_load((directory / "kustomization.yaml").read_text()).get("resources", [])
    files = [directory / name for name in listed if (directory / name).is_file()]
    return "\n---\n".join(path.read_text() for path in files)


def render(directory: Path) -> str:
    """`kubectl kustomize DIRECTORY`: the manifests kubectl apply -k would send. Without kubectl
    (the machine image ships it; a bare Debian does not) the base's own files are validated as
    they are, with a warning, and overlays cannot be rendered."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        if directory != K8S / "base":
            raise DeployCheckSkipped(f"{directory.name}: not rendered (kubectl is not installed)")
        print(
            "warning: kubectl (its built-in kustomize renders k8s/) is not installed: the base's "
            "files are validated unrendered; install kubectl to check the overlays too",
            file=sys.stderr,
        )
        return unrendered(directory)
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DeployCheckError(f"kubectl kustomize {directory}: {result.stderr.strip()}")
    return result.stdout


def kubernetes_errors(manifests: str, name: str) -> list[str]:
    """kubernetes-validate --strict on rendered manifests: its failure lines, empty when valid."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"{name}.yaml"
        target.write_text(manifests)
        result = subprocess.run(
            [str(VALIDATOR), "--strict", "--quiet", "-k", KUBERNETES_VERSION, str(target)],
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode == 0:
        return []
    return [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]


def main() -> int:
    problems = compose_errors()
    print(f"{COMPOSE_FILE.name}: {'valid' if not problems else 'INVALID'} (compose-spec schema)")
    for directory in kustomizations():
        name = str(directory.relative_to(ROOT))
        try:
            manifests = render(directory)
        except DeployCheckSkipped as skipped:
            print(f"warning: {skipped}", file=sys.stderr)
            continue
        except DeployCheckError as error:
            problems.append(str(error))
            continue
        found = kubernetes_errors(manifests, directory.name)
        count = sum(1 for doc in yaml.safe_load_all(manifests) if doc)
        print(
            f"{name}: {count} objects, {'valid' if not found else 'INVALID'} (Kubernetes "
            f"{KUBERNETES_VERSION}, strict)"
        )
        problems.extend(found)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
