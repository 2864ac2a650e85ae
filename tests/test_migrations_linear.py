"""The migrations form one line: one head, and every revision reached from it down to the base
without branches or merges (two branches each adding a revision on the same parent would give two
heads, and `talent db upgrade` would refuse to choose)."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@pytest.fixture
def scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_one_head(scripts):
    assert len(scripts.get_heads()) == 1, scripts.get_heads()
    assert len(scripts.get_bases()) == 1, scripts.get_bases()


def test_one_line_from_the_head_to_the_base(scripts):
    every = {script.revision for script in scripts.walk_revisions()}
    chain, revision = [], scripts.get_current_head()
    while revision is not None:
        script = scripts.get_revision(revision)
        assert isinstance(script.down_revision, (str, type(None))), f"{revision} merges {script.down_revision}"
        assert revision not in chain, f"{revision} appears twice"
        assert len(script.nextrev) <= 1, f"{revision} branches into {sorted(script.nextrev)}"
        chain.append(revision)
        revision = script.down_revision
    assert set(chain) == every, f"not on the line from the head: {sorted(every - set(chain))}"


def test_the_file_names_read_in_the_order_of_the_line(scripts):
    """Sorted by name, the revision files are the line from the base to the head (the report summary
    came before the trigram search: its file is 0002 although its revision id stays '0003', the id
    databases already carry)."""
    line, revision = [], scripts.get_current_head()
    while revision is not None:
        script = scripts.get_revision(revision)
        line.append(Path(script.path).name)
        revision = script.down_revision
    files = sorted(p.name for p in Path(scripts.dir, "versions").glob("*.py"))
    assert files == line[::-1]
