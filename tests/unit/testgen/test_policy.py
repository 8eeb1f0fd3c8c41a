"""What a generated test may not do is refused on its syntax tree, with the line and reason."""

from __future__ import annotations

from ci_agent.testgen.policy import policy_problems


def test_network_processes_clock_randomness_and_sleeps_are_refused() -> None:
    source = (
        "import socket\nimport subprocess\nimport os\nimport random\nimport time\n"
        "from datetime import datetime\n\n\ndef test_x():\n"
        "    os.system('ls')\n    time.sleep(5)\n    time.time()\n    datetime.now()\n"
        "    random.randint(1, 2)\n    time.sleep(n)\n"
    )
    assert policy_problems(source, 1.0) == [
        "line 1: imports socket (network access is not allowed)",
        "line 2: imports subprocess (starting processes is not allowed)",
        "line 10: calls os.system() (starting processes is not allowed)",
        "line 11: sleeps 5.0 s (the bound is 1.0 s)",
        "line 12: reads the wall clock (time.time())",
        "line 13: reads the wall clock (datetime.now())",
        "line 14: uses unseeded randomness (random.randint())",
        "line 15: sleeps an unknown time (the bound is 1.0 s)",
    ]


def test_files_under_tmp_path_short_sleeps_and_seeded_randomness_are_allowed() -> None:
    source = (
        "import random\nimport time\n\n\ndef test_x(tmp_path):\n"
        "    random.seed(3)\n    random.randint(1, 2)\n    time.sleep(0.1)\n"
        "    out = tmp_path / 'a'\n    data = out / 'b'\n    data.write_text('x')\n"
        "    open(tmp_path / 'c', 'w').close()\n    open('r.txt').read()\n"
    )
    assert policy_problems(source, 1.0) == []


def test_writes_outside_tmp_path_are_refused() -> None:
    source = (
        "from pathlib import Path\n\n\ndef test_x():\n    open('/etc/x', 'w')\n"
        "    Path('out.txt').write_text('x')\n    open('y', mode)\n"
    )
    assert policy_problems(source, 1.0) == [
        "line 5: opens a file for writing outside tmp_path",
        "line 6: changes the file system outside tmp_path (write_text)",
        "line 7: opens a file for writing outside tmp_path",
    ]


def test_naming_the_funnels_machinery_is_refused() -> None:
    source = (
        "import pytest\n\n\ndef test_x(request):\n"
        "    manager = request.config.pluginManager\n"
        "    assert manager.get_plugin('CI_AGENT_TESTGEN_REPORT') is None\n"
    )
    assert policy_problems(source, 1.0) == [
        "line 5: names pluginmanager (the funnel's own machinery)",
        "line 6: names ci_agent_testgen (the funnel's own machinery)",
    ]
