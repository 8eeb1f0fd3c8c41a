"""Many files at one commit through GraphQL in batches, exact to the byte: the contents API only
for what GraphQL cannot give exactly (binary, large, not UTF-8), None for what is missing."""

from __future__ import annotations

import pytest

from ci_agent.errors import CiAgentError
from ci_agent.forge.github_blobs import BATCH
from tests.integration.forge_github.conftest import MakeForge, Rig


def test_sixty_text_files_take_three_requests_and_come_back_exact(rig: Rig) -> None:
    files = {f"pkg/m{i:02}.py": f"# módulo {i}\r\nVALUE = {i}\n\n".encode() for i in range(60)}
    rig.world.repo.commit("main", files, "Add modules")
    rig.fake.requests.clear()

    found = rig.forge.files_contents(sorted(files), "main")

    assert found == files
    assert rig.fake.requests.count("POST", "/graphql") == -(-60 // BATCH) == 3
    assert rig.fake.requests.filter("GET", "/repos/*/contents/*") == []
    assert rig.calls()["POST /graphql"] == 3
    assert rig.fake.requests.writes() == []


def test_what_graphql_cannot_give_exactly_is_read_one_by_one(rig: Rig) -> None:
    files = {
        "text.py": b"print('ok')\n",
        "raw.bin": b"\x00\xff\xfe",
        "latin1.txt": "café\n".encode("latin-1"),
        "large.txt": b"y" * (600 * 1024),
    }
    rig.world.repo.commit("main", files, "Add awkward files")
    rig.fake.requests.clear()

    found = rig.forge.files_contents([*files, "missing.py", "lib"], "main")

    assert {path: found[path] for path in files} == files
    assert found["missing.py"] is None
    assert found["lib"] is None  # a directory has no contents
    assert rig.fake.requests.count("POST", "/graphql") == 1
    read_alone = {
        r.path.rsplit("/", 1)[-1] for r in rig.fake.requests.filter("GET", "/repos/*/contents/*")
    }
    assert read_alone == {"raw.bin", "latin1.txt", "large.txt", "missing.py", "lib"}


def test_paths_are_variables_so_quotes_and_braces_cannot_break_the_query(rig: Rig) -> None:
    odd = {'a"b}.py': b"x = 1\n", "c\\d $e.py": b"y = 2\n"}
    rig.world.repo.commit("main", odd, "Odd names")

    assert rig.forge.files_contents(list(odd), "main") == odd
    (request,) = rig.fake.requests.filter("POST", "/graphql")
    assert 'a"b}' not in request.json["query"]


def test_enterprise_server_uses_its_graphql_endpoint(make_forge: MakeForge) -> None:
    rig = make_forge(ghes=True)
    assert rig.forge.files_contents(["README.md"], rig.world.base_sha) == {
        "README.md": b"# widgets\n"
    }
    (request,) = rig.fake.requests.filter("POST", "/graphql")
    assert request.prefix == "/api/v3"


def test_a_refused_query_is_a_coded_error(rig: Rig) -> None:
    rig.fake.faults.status("POST", "/graphql", 401, times=None)
    with pytest.raises(CiAgentError) as refused:
        rig.forge.files_contents(["README.md"], "main")
    assert refused.value.code.startswith("CA3")
