"""No form a customer posts takes "all fields" of a model: every field is named on purpose."""

import ast
import importlib
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.forms import ModelForm

ROOT = Path(settings.BASE_DIR)
SKIPPED_PARTS = {".venv", "node_modules", "migrations", "tests", "var", "bench"}


def _project_sources():
    for path in ROOT.rglob("*.py"):
        if SKIPPED_PARTS & set(path.relative_to(ROOT).parts):
            continue
        if path.name == "admin.py":  # the back office: agents only, and ModelAdmin lists its own fields
            continue
        yield path


def _all_fields_assignments(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "Meta":
            for item in node.body:
                if (
                    isinstance(item, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "fields" for t in item.targets)
                    and isinstance(item.value, ast.Constant)
                    and item.value.value == "__all__"
                ):
                    yield item.lineno


def test_no_source_file_declares_fields_all():
    offenders = []
    for path in _project_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in _all_fields_assignments(tree)]
    assert offenders == []


def test_the_scan_would_catch_one():
    tree = ast.parse('class F:\n    class Meta:\n        model = X\n        fields = "__all__"\n')
    assert list(_all_fields_assignments(tree)) == [4]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_loaded_model_form_uses_all_fields():
    # Also catches forms built at run time (modelform_factory with fields="__all__" is refused by name).
    for config in apps.get_app_configs():
        if config.name.startswith("django") or not (Path(config.path) / "forms.py").exists():
            continue
        importlib.import_module(f"{config.name}.forms")
    offenders = [
        f"{form.__module__}.{form.__name__}"
        for form in _subclasses(ModelForm)
        if not form.__module__.startswith(("django.", "tests."))
        and getattr(form._meta, "fields", None) == "__all__"
    ]
    assert offenders == []
