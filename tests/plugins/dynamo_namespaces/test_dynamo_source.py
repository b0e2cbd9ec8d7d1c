"""The folder source: a stat poll that re-reads only what changed, and follows the chosen namespace."""

from __future__ import annotations

import json
import shutil

from deck.plugins.dynamo_namespaces.client import StateSnapshot, scale
from deck.plugins.dynamo_namespaces.source import StateFolderSource


def test_an_unchanged_folder_gives_the_same_view_object(copy_fixture, state_dir):
    copy_fixture("initial/dynamo.json")
    source = StateFolderSource(state_dir)
    first = source.fetch()
    assert source.fetch() is first
    assert first.namespace == "dynamo" and not first.chosen
    assert isinstance(first.state, StateSnapshot)
    assert first.document["namespace"] == "dynamo" and isinstance(first.document["components"], dict)


def test_only_the_changed_file_is_read_again(copy_fixture, state_dir):
    dynamo = copy_fixture("initial/dynamo.json")
    copy_fixture("initial/agg.json")
    source = StateFolderSource(state_dir)
    before = source.fetch({"namespace": "dynamo"})
    assert scale(dynamo, "add", "VllmWorker").ok
    after = source.fetch({"namespace": "dynamo"})
    assert after != before
    agg_before, dynamo_before = before.files
    agg_after, dynamo_after = after.files
    assert agg_after is agg_before  # same stat, not read again
    assert dynamo_after is not dynamo_before
    assert after.state is dynamo_after and len(dynamo_after.watchers) == 6


def test_the_chosen_namespace_is_followed(copy_fixture, state_dir):
    copy_fixture("initial/dynamo.json")
    copy_fixture("initial/agg.json")
    source = StateFolderSource(state_dir)
    assert source.fetch().namespace == "agg"  # the first one, until the operator chooses
    view = source.fetch({"namespace": "dynamo"})
    assert (view.namespace, view.chosen, view.state.namespace) == ("dynamo", True, "dynamo")
    assert view.namespaces == ("agg", "dynamo")


def test_what_is_shown_never_switches_by_itself(copy_fixture, state_dir, fixtures_dir):
    copy_fixture("initial/dynamo.json")
    source = StateFolderSource(state_dir)
    assert source.fetch().namespace == "dynamo"
    shutil.copyfile(fixtures_dir / "initial/agg.json", state_dir / "agg.json")
    assert source.fetch().namespace == "dynamo"  # agg sorts first, but dynamo is on show
    (state_dir / "dynamo.json").unlink()
    view = source.fetch()
    assert view.namespace == "dynamo" and view.state is None
    assert view.problem.headline == "Namespace 'dynamo' not found"


def test_the_namespace_comes_from_the_content_not_the_file_name(copy_fixture, state_dir):
    copy_fixture("broken/unicode_ns.json")
    view = StateFolderSource(state_dir).fetch()
    assert view.namespace == "dÿnamo-测试" and view.problem is None


def test_a_folder_that_is_a_file_is_a_clear_problem(tmp_path):
    not_a_folder = tmp_path / "state"
    not_a_folder.write_text(json.dumps({}))
    view = StateFolderSource(not_a_folder).fetch()
    assert view.folder == "not a folder"
    assert view.problem.details == (f"{not_a_folder} is not a folder.",)
