"""Database URLs with passwords: parsed at the last ``@``, shown redacted, scrubbed from messages."""

from __future__ import annotations

import pytest

from qvh_migration.extracts.sql_source import SourceDatabaseError, connect_engine, describe_source, sqlalchemy_url
from qvh_migration.io.secrets import DatabaseUrlError, parse_database_url, redact_url, scrub

PLANTED = "Pl4nted@Secret:x"
URL = f"postgresql://migrator:{PLANTED}@127.0.0.1:5432/legacy"


def test_an_at_sign_in_the_password_does_not_move_the_host():
    parsed = parse_database_url(URL)
    assert (parsed.user, parsed.password, parsed.host, parsed.port, parsed.path) == (
        "migrator",
        PLANTED,
        "127.0.0.1",
        5432,
        "/legacy",
    )
    assert parsed.for_driver() == "postgresql://migrator:Pl4nted%40Secret%3Ax@127.0.0.1:5432/legacy"
    assert sqlalchemy_url(URL).startswith("postgresql+psycopg://migrator:Pl4nted%40Secret%3Ax@127.0.0.1:5432/")


def test_redacted_forms_hold_no_part_of_the_password():
    for shown in (redact_url(URL), describe_source(URL)):
        assert "Pl4nted" not in shown and "Secret" not in shown
    assert redact_url(URL) == "postgresql://migrator:***@127.0.0.1:5432/legacy"


def test_a_bad_port_is_named_without_the_password():
    url = f"postgresql://migrator:{PLANTED}@127.0.0.1:55x99/legacy"
    with pytest.raises(DatabaseUrlError) as bad:
        parse_database_url(url, "QVH_SOURCE_URL")
    assert str(bad.value) == "QVH_SOURCE_URL: port '55x99' is not a port number (1-65535)"
    assert redact_url(url) == "<database URL withheld: it could not be parsed>"


def test_scrub_removes_the_password_and_the_halves_a_driver_prints():
    message = "failed to resolve host 'Secret:x@127.0.0.1'; password Pl4nted@Secret:x; encoded Pl4nted%40Secret%3Ax"
    cleaned = scrub(message, URL)
    assert "Pl4nted" not in cleaned and "Secret" not in cleaned


@pytest.mark.parametrize("port", ["1", "55x99"])
def test_connecting_fails_in_one_line_without_the_password(port):
    """Port 1 refuses at once; port 55x99 used to raise a ValueError traceback."""
    with pytest.raises((SourceDatabaseError, DatabaseUrlError)) as failure:
        connect_engine(f"postgresql://migrator:{PLANTED}@127.0.0.1:{port}/legacy")
    message = str(failure.value)
    assert len(message.splitlines()) == 1
    assert "Pl4nted" not in message and "Secret" not in message
