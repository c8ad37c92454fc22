import pytest

from commgraph.errors import SettingsError
from commgraph.settings import SETTINGS, Settings


def test_table_and_dataclass_agree():
    defaults = Settings()
    for setting in SETTINGS:
        assert str(getattr(defaults, setting.name)) == str(setting.default), setting.name


def test_environment_then_overrides():
    settings = Settings.from_env({"COMMGRAPH_PORT": "5050", "COMMGRAPH_MAX_ROWS": "7"}, max_rows=9)
    assert settings.port == 5050 and settings.max_rows == 9


def test_bad_value_names_the_setting():
    with pytest.raises(SettingsError, match="COMMGRAPH_PORT"):
        Settings.from_env({"COMMGRAPH_PORT": "eighty"})


def test_bad_base_iri_refused():
    with pytest.raises(SettingsError, match="base_iri"):
        Settings.create(base_iri="not an iri")
