"""Each log line is written once, in the site's format, by the worker as by the development
server (Django's own console handler printed every django.* line a second time)."""

import re
import subprocess
from collections import Counter

import pytest

from tests.servers import MANAGE, ROOT, own_database, prepare_database, server_env

PLAIN_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ (?P<level>[A-Z]+) (?P<logger>\S+) \[[^]]*\] ")


@pytest.mark.parametrize("debug", ["1", "0"])
def test_the_worker_writes_each_task_line_once(tmp_path, debug):
    with own_database(tmp_path) as database:
        env = server_env(database, DEBUG=debug, LOG_FORMAT="plain")
        prepare_database(env, create_user=False)
        # A fresh database: every periodic job is due, and the batch runs them all.
        worker = subprocess.run([*MANAGE, "worker", "--batch"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)  # fmt: skip
    assert worker.returncode == 0, worker.stderr
    lines = [line for line in (worker.stdout + worker.stderr).splitlines() if line.strip()]
    task_lines = [line for line in lines if "state=SUCCESSFUL" in line]
    assert len(task_lines) >= 3, lines  # the periodic jobs ran, each said so
    messages = Counter(PLAIN_LINE.sub("", line) for line in lines)
    assert [message for message, count in messages.items() if count > 1] == []
    # Every line is the site's, with its level, logger and request id: none bare.
    assert all(PLAIN_LINE.match(line) for line in task_lines), task_lines
