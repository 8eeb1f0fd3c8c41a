"""Units inferred from repository files: workspaces, modules, migrations, charts."""

from __future__ import annotations

from pathlib import Path

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.plan.infer import infer_units


def make(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def summary(root: Path) -> dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]]:
    return {u.name: (u.kind, u.paths, u.depends_on) for u in infer_units(root)}


def test_uv_and_poetry_path_dependencies_and_go_replace(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "services/api/pyproject.toml": (
                '[project]\nname = "api"\n[tool.uv.sources]\ncore = { path = "../../libs/core" }\n'
            ),
            "libs/core/pyproject.toml": '[project]\nname = "core"\n',
            "services/worker/pyproject.toml": (
                '[tool.poetry.dependencies]\ncore = { path = "../../libs/core" }\n'
            ),
            "tools/cli/go.mod": "module x/cli\n\nreplace x/core => ../../libs/gocore\n",
            "libs/gocore/go.mod": "module x/core\n",
        },
    )
    found = summary(root)
    assert found["api"] == ("library", ("services/api/**",), ("core",))
    assert found["worker"][2] == ("core",)
    assert found["cli"][2] == ("gocore",)


def test_a_service_depends_on_the_migrations_in_its_directory(tmp_path: Path) -> None:
    root = make(
        tmp_path,
        {
            "backend/Dockerfile": "FROM python\n",
            "backend/alembic/versions/1_init.py": "def upgrade(): pass\n",
            "shop/orders/migrations/0001_initial.py": "",
            "deploy/chart/Chart.yaml": "name: shop\n",
        },
    )
    found = summary(root)
    assert found["backend"] == (
        "service",
        ("backend/**", "!backend/alembic/versions/**"),
        ("backend-alembic",),
    )
    assert found["backend-alembic"][0] == "migration"
    assert found["orders-migrations"][0] == "migration"
    assert found["chart"][0] == "config"


def test_an_ordinary_single_package_repository_has_no_units(tmp_path: Path) -> None:
    root = make(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n', "src/x/__init__.py": ""})
    assert infer_units(root) == ()


def test_a_repository_too_large_to_read_whole_is_a_coded_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ci_agent.plan import infer

    root = make(tmp_path, {f"svc{i}/Dockerfile": "FROM x\n" for i in range(5)})
    monkeypatch.setattr(infer, "_MAX_FILES", 3)
    with pytest.raises(CiAgentError) as caught:
        infer_units(root)
    assert caught.value.code == "CA161"
    assert "more than 3 files" in caught.value.message


def test_long_and_odd_package_names_become_valid_unique_unit_names(tmp_path: Path) -> None:
    # As in large JS monorepos: package directories named longer than a unit name may be.
    long = "babel-plugin-bugfix-safari-class-field-initializer-scope-in-function-expression"
    workspace = '{"private": true, "workspaces": ["packages/*"]}'
    files = {"package.json": workspace}
    for name in [long, long + "-two", "_internal", "-x-"]:
        files[f"packages/{name}/package.json"] = f'{{"name": "{name}"}}'
        files[f"packages/{name}/index.js"] = ""
    names = sorted(summary(make(tmp_path, files)))
    assert all(len(n) <= 64 and n[0].isalnum() for n in names), names
    assert len(set(names)) == 4
    cut = long[:57].rstrip("-")
    assert cut in names and f"{cut}-2" in names


def test_dev_dependencies_do_not_order_deployments(tmp_path: Path) -> None:
    # Babel's core needs its generator at run time; the generator tests itself with the core.
    files = {
        "package.json": '{"private": true, "workspaces": ["packages/*"]}',
        "packages/core/package.json": '{"name": "core", "dependencies": {"gen": "*"}}',
        "packages/gen/package.json": '{"name": "gen", "devDependencies": {"core": "*"}}',
        "packages/web/package.json": '{"name": "web", "peerDependencies": {"core": "*"}}',
    }
    found = summary(make(tmp_path, files))
    assert found["core"][2] == ("gen",)
    assert found["gen"][2] == ()
    assert found["web"][2] == ("core",)
