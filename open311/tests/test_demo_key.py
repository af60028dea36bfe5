"""make demo's Open311 key: `load_demo --open311-key` (default $DEMO_OPEN311_KEY) and the accounts file."""

import json

from areas.demo.loader import DemoAccount, write_accounts_file
from areas.management.commands.load_demo import Command, with_open311_key


def test_the_key_option_defaults_to_the_environment(monkeypatch):
    monkeypatch.delenv("DEMO_OPEN311_KEY", raising=False)
    assert Command().create_parser("manage.py", "load_demo").parse_args([]).open311_key == "demo-open311-key"
    monkeypatch.setenv("DEMO_OPEN311_KEY", "from-the-environment")
    assert Command().create_parser("manage.py", "load_demo").parse_args([]).open311_key == "from-the-environment"
    options = Command().create_parser("manage.py", "load_demo").parse_args(["--open311-key", "given-on-the-line"])
    assert options.open311_key == "given-on-the-line"


def test_the_accounts_file_carries_the_key_on_the_administrators_entry(tmp_path):
    accounts = [DemoAccount("command", "指挥中心", ["district_command"], "410611", "淇滨区", "pw"),
                DemoAccount("admin", "管理员", ["system_admin"], "410611", "淇滨区", "pw")]
    path = write_accounts_file(tmp_path / "demo-accounts.json", with_open311_key(accounts, "demo-open311-key"))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [a["username"] for a in data] == ["command", "admin"]
    assert "open311_api_key" not in data[0] and data[1]["open311_api_key"] == "demo-open311-key"
    assert data[1]["roles"] == ["system_admin"] and data[1]["password"] == "pw"
    assert with_open311_key(accounts, "") == accounts
