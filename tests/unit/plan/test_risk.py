"""Risk rules: each finding names its rule, file and line; levels and scores add up."""

from __future__ import annotations

import json

from ci_agent.plan.risk import ChangedText, assess, terraform_evidence


def added(path: str, *lines: str) -> ChangedText:
    return ChangedText(path, tuple(enumerate(lines, 1)))


def rules(*files: ChangedText) -> list[tuple[str, str, int | None]]:
    return [(e.rule, e.level, e.line) for e in assess(files).evidence]


def test_destructive_and_locking_sql() -> None:
    found = rules(
        added(
            "db/migrations/0003.sql",
            "ALTER TABLE users DROP COLUMN name;",
            "ALTER TABLE users RENAME COLUMN a TO b;",
            "ALTER TABLE users ADD COLUMN x int NOT NULL;",
            "ALTER TABLE users ADD COLUMN y int NOT NULL DEFAULT 0;",
            "CREATE INDEX i ON users (x);",
            "CREATE INDEX CONCURRENTLY j ON users (y);",
        )
    )
    assert found == [
        ("sql-destructive", "critical", 1),
        ("sql-rename", "high", 2),
        ("sql-not-null", "high", 3),
        ("sql-index-lock", "medium", 5),
    ]


def test_alembic_and_django_operations() -> None:
    found = rules(
        added("alembic/versions/1_drop.py", "    op.drop_column('users', 'name')"),
        added("app/migrations/0002.py", "        migrations.RenameField('a', 'b', 'c'),"),
        added("alembic/versions/2_idx.py", "    op.create_index('i', 't', ['x'])"),
        added(
            "alembic/versions/3_idx.py",
            "    op.create_index('i', 't', ['x'], postgresql_concurrently=True)",
        ),
    )
    assert found == [
        ("migration-destructive", "critical", 1),
        ("migration-rename", "high", 1),
        ("migration-index-lock", "medium", 1),
    ]


def test_sql_words_outside_migrations_are_not_findings() -> None:
    assert rules(added("docs/howto.md", "DROP TABLE users;")) == []


def test_contracts_secrets_dependencies_and_size() -> None:
    contract = ChangedText("api/openapi.yaml", (), ("  /users/{id}:",))
    secrets = ChangedText(".env.production", ((1, "KEY=x"),))
    deps = ChangedText("requirements.txt", ((3, "django==5.1"),), ("django==4.2",))
    found = rules(contract, secrets, deps)
    assert ("api-contract", "high", None) in found
    assert ("secrets-config", "medium", None) in found
    assert ("dependency-major", "medium", 3) in found
    big = ChangedText("src/a.py", tuple((i, "x") for i in range(1, 2100)))
    assert rules(big) == [("change-size", "high", None)]


def test_level_is_the_highest_and_score_is_capped() -> None:
    risk = assess([added("db/x.sql", *["DROP TABLE t;"] * 5)])
    assert risk.level == "critical"
    assert risk.score == 100
    assert assess([]).level == "low"
    assert assess([]).score == 0


def test_terraform_deletes_and_replacements() -> None:
    plan = {
        "resource_changes": [
            {"address": "aws_db.main", "change": {"actions": ["delete"]}},
            {"address": "aws_lb.web", "change": {"actions": ["delete", "create"]}},
            {"address": "aws_s3.logs", "change": {"actions": ["update"]}},
        ]
    }
    found = [(e.rule, e.level, e.text) for e in terraform_evidence(json.dumps(plan))]
    assert found == [
        ("terraform-delete", "critical", "aws_db.main"),
        ("terraform-replace", "high", "aws_lb.web"),
    ]


def test_a_file_read_only_in_part_says_so() -> None:
    risk = assess([ChangedText("db/huge.sql", ((1, "SELECT 1;"),), partial=True)])
    assert [(e.rule, e.path) for e in risk.evidence] == [("partly-read", "db/huge.sql")]
