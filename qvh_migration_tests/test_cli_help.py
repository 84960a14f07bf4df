"""``qvh-migration <command> --help``: every option that takes a value says what it is when not given."""

from __future__ import annotations

import argparse

import pytest

from qvh_migration import cli


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return {
        name: sub
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name, sub in action.choices.items()
    }


def value_options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """Options taking a value (a flag such as --quiet is off unless given), and any with a set default."""
    return [
        action
        for action in parser._actions
        if action.option_strings
        and not isinstance(action, argparse._HelpAction)
        and (action.nargs != 0 or action.default not in (None, False))
    ]


COMMANDS = subcommands(cli.build_parser())


def test_every_command_is_walked() -> None:
    assert {"dry-run", "release", "ui", "rerun"} <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_option_documents_its_default(command: str) -> None:
    parser = COMMANDS[command]
    undocumented = [
        "/".join(action.option_strings)
        for action in value_options(parser)
        if "default" not in (action.help or "") % {"default": action.default, "prog": parser.prog}
    ]
    assert not undocumented, f"{command}: options whose help gives no default: {undocumented}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_stated_default_is_the_real_one(command: str) -> None:
    """An argparse default shown in the help is the value the option gets."""
    parser = COMMANDS[command]
    for action in value_options(parser):
        if action.default is not None:
            text = (action.help or "") % {"default": action.default, "prog": parser.prog}
            assert f"default {action.default}" in text or f"default: {action.default}" in text, action.dest
