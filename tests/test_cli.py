"""The command line: thin commands over the library, clear errors, non-zero exits."""

import json

from click.testing import CliRunner

from commgraph.cli import main

from conftest import FIXTURES, SEED_ID


def run(*args, input=None, data_dir=None):
    options = ["--data-dir", str(data_dir)] if data_dir else []
    return CliRunner().invoke(main, [*options, *args], input=input, catch_exceptions=False)


def test_ingest_stdin_bad_file_report_and_exit_code(tmp_path):
    data = tmp_path / "data"
    bad = tmp_path / "broken.json"
    bad.write_text("{oops")
    text = "Momo and WeChat compete\n\nMomo said WeChat groups have more than 500 million users in China."
    result = run("ingest", "-", str(bad), input=text, data_dir=data)
    assert result.exit_code == 1
    assert "broken.json: malformed JSON" in result.output
    assert "added  1" in result.output
    report = json.loads((data / "last-ingest.json").read_text())
    assert report["added"] == ["momo-and-wechat-compete"] and report["failed"][0]["path"].endswith("broken.json")
    again = run("ingest", "-", input=text, data_dir=data)
    assert again.exit_code == 0 and "unchanged  1" in again.output


def test_remove_unknown_id(tmp_path):
    result = run("remove", "nope", data_dir=tmp_path / "data")
    assert result.exit_code == 1 and "no article with id 'nope'" in result.output


def test_commands_on_an_empty_data_dir_say_what_to_do(tmp_path):
    for command in (["stats"], ["check"], ["export"], ["query", "ASK {}"]):
        result = run(*command, data_dir=tmp_path / "empty")
        assert result.exit_code == 1 and "commgraph ingest" in result.output, command


def test_stats_export_check_query(corpus_data):
    data = corpus_data.data_dir
    stats = json.loads(run("stats", data_dir=data).output)
    assert stats["articles"] == 4 and stats["quads"] > 1000
    assert SEED_ID in run("stats", "--ids", data_dir=data).output
    trig = run("export", "--format", "trig", "--article", SEED_ID, data_dir=data).output
    assert "Tang Daosheng" in trig and "test-fixture" not in trig
    assert run("check", data_dir=data).output.startswith("ok")
    rows = run("query", "PREFIX schema: <https://schema.org/> SELECT DISTINCT ?n { ?p a schema:Person ; schema:name ?n }",
               "--format", "csv", data_dir=data)
    assert rows.exit_code == 0 and "Tang Daosheng" in rows.output
    refused = run("query", "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", data_dir=data)
    assert refused.exit_code == 1 and "SERVICE is not allowed" in refused.output


def test_bad_setting_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["--port", "eighty", "stats"])
    assert result.exit_code != 0 and "port" in result.output


def test_settings_lists_every_setting():
    output = run("settings").output
    assert "COMMGRAPH_QUERY_TIMEOUT" in output and "COMMGRAPH_DATA_DIR" in output


def test_fixture_folder_ingest(tmp_path):
    result = run("ingest", str(FIXTURES / "articles"), data_dir=tmp_path / "data")
    assert result.exit_code == 0 and "added  2" in result.output
