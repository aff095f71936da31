"""Architecture checks that import-linter cannot make."""

import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
# Lowest first, as in design.md; fees and credit_bank are siblings that must not touch each other.
LAYERS = ["accounts", "organizations", "certificates", "assessments", ("fees", "credit_bank"), "pilot"]


def layer_of(app_label: str) -> int | None:
    for index, layer in enumerate(LAYERS):
        if app_label == layer or (isinstance(layer, tuple) and app_label in layer):
            return index
    return None


def test_foreign_keys_never_point_to_a_higher_layer():
    offenders = []
    for model in apps.get_models():
        source = layer_of(model._meta.app_label)
        if source is None:
            continue
        for field in model._meta.get_fields():
            if not (field.is_relation and field.concrete and field.related_model):
                continue
            target_app = field.related_model._meta.app_label
            target = layer_of(target_app)
            if target is None:
                continue
            siblings = isinstance(LAYERS[source], tuple) and target == source and target_app != model._meta.app_label
            if target > source or siblings:
                offenders.append(f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}")
    assert offenders == []


def test_every_docker_compose_command_refers_to_an_existing_module():
    compose = (ROOT / "docker-compose.yml").read_text()
    commands = re.findall(r"command:\s*(.+)", compose)
    assert len(commands) >= 3
    modules = set()
    for command in commands:
        modules.update(re.findall(r"(?:-A|--app)\s+([\w.]+)", command))
        modules.update(m.split(":")[0] for m in re.findall(r"gunicorn\s+([\w.:]+)", command))
        modules.update(re.findall(r"manage\.py", command) and ["manage"])
    assert {"pilot", "pilot.wsgi"} <= modules
    for module in modules:
        path = ROOT / module.replace(".", "/")
        assert path.with_suffix(".py").exists() or (path / "__init__.py").exists(), module
    for config in re.findall(r"gunicorn\s.*-c\s+(\S+)", compose):  # gunicorn.conf.py
        assert (ROOT / config).exists(), config
    services = set(re.findall(r"^  (\w[\w-]*):\s*$", compose, flags=re.M))
    assert {"web", "worker", "beat", "postgres", "redis"} <= services


@pytest.mark.parametrize("app", ["accounts", "organizations", "certificates", "assessments", "fees", "credit_bank",
                                 "pilot"])
def test_apps_are_installed(app, settings):
    assert app in settings.INSTALLED_APPS


APPS = ("core", "accounts", "organizations", "certificates", "assessments", "fees", "credit_bank", "pilot")
# Where a first-party import inside a function is not a way round an import cycle.
LATE_IMPORTS_ALLOWED = {
    # The data migrations import these modules and pass their historical models.
    ("accounts/provinces.py", "provinces_ensure"),
    ("fees/caps.py", "caps_ensure"),
}


def test_no_function_level_import_dodges_an_import_cycle():
    """First-party imports sit at the top of their module (issue 14): a cycle shows at once instead of
    hiding in a function. AppConfig.ready() is the exception Django makes (it runs once the app
    registry is ready), and a module whose data migration passes a historical model."""
    import ast

    offenders = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            relative = str(path.relative_to(ROOT))
            for function in ast.walk(ast.parse(path.read_text())):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or function.name == "ready":
                    continue
                if (relative, function.name) in LATE_IMPORTS_ALLOWED:
                    continue
                for node in ast.walk(function):
                    if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in APPS:
                        offenders.append(f"{relative}:{node.lineno} in {function.name}(): from {node.module}")
    assert offenders == []
