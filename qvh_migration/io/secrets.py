"""Database URLs that carry a password: parsed once, shown redacted, never echoed by an error.

A URL such as ``postgresql://migrator:p@ss@db:5432/legacy`` has an unencoded ``@`` in its password.
Drivers split it at the first ``@`` and then complain about the host ``ss@db``, printing half of
the password. Here the user information ends at the *last* ``@`` of the authority (what the
password must have meant), the password is percent-encoded before any driver sees it, and every
message that leaves this module is scrubbed of the password and of its fragments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from qvh_migration.errors import MigrationInputError

REDACTED = "***"
# Fragments shorter than this are too common to scrub without mangling messages ("a", "db").
MIN_FRAGMENT = 3


class DatabaseUrlError(MigrationInputError):
    """A database URL that cannot be used; the message never holds its password."""


@dataclass(frozen=True)
class DatabaseUrl:
    scheme: str
    user: str
    password: str
    host: str
    port: int | None
    path: str
    query: str

    def for_driver(self) -> str:
        """The URL with user and password percent-encoded, as drivers parse it."""
        return self._render(quote(self.password, safe="") if self.password else "")

    def redacted(self) -> str:
        """The URL as it may be printed or logged: the password replaced by ``***``."""
        return self._render(REDACTED if self.password else "")

    def _render(self, password: str) -> str:
        userinfo = quote(self.user, safe="") if self.user else ""
        if password:
            userinfo += f":{password}"
        authority = f"{userinfo}@" if userinfo else ""
        authority += self.host + (f":{self.port}" if self.port is not None else "")
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{authority}{self.path}{query}"


def parse_database_url(url: str, variable: str = "database URL") -> DatabaseUrl:
    """Split ``scheme://user:password@host:port/path?query``; a bad part is named, never the password."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep or not scheme:
        raise DatabaseUrlError(variable, "not a database URL (expected scheme://user:password@host:port/database)")
    authority, slash, tail = rest.partition("/")
    path_and_query = slash + tail
    path, _, query = path_and_query.partition("?")
    userinfo, at, hostport = authority.rpartition("@")
    if not at:
        userinfo, hostport = "", authority
    user, _, password = userinfo.partition(":")
    host, port = _host_and_port(hostport, variable)
    return DatabaseUrl(scheme, unquote(user), unquote(password), host, port, path, query)


def _host_and_port(hostport: str, variable: str) -> tuple[str, int | None]:
    if hostport.startswith("["):  # IPv6 literal
        host, _, after = hostport.partition("]")
        host += "]"
        port_text = after.removeprefix(":")
    else:
        host, _, port_text = hostport.partition(":")
    if not port_text:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise DatabaseUrlError(variable, f"port {port_text!r} is not a port number (1-65535)")
    return host, int(port_text)


def password_of(url: str) -> str:
    """The password a URL carries ("" when none, or when the URL cannot be parsed)."""
    try:
        return parse_database_url(url).password
    except DatabaseUrlError:
        return ""


def redact_url(url: str) -> str:
    """A URL fit to print; an unparseable one is withheld entirely rather than risk its password."""
    try:
        return parse_database_url(url).redacted()
    except DatabaseUrlError:
        return "<database URL withheld: it could not be parsed>"


def scrub(text: str, *urls: str) -> str:
    """``text`` with every password of ``urls`` removed, with its encoded form and its fragments.

    Fragments matter: a driver that split the password at an ``@`` or ``:`` prints one half.
    """
    secrets: set[str] = set()
    for url in urls:
        password = password_of(url) or _raw_password(url)
        if not password:
            continue
        secrets |= {password, quote(password, safe="")}
        secrets |= {part for part in re.split(r"[@:/]", password) if len(part) >= MIN_FRAGMENT}
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def _raw_password(url: str) -> str:
    """The password between the first ``:`` and the last ``@`` of the authority, without parsing ports."""
    authority = url.partition("://")[2].partition("/")[0]
    userinfo = authority.rpartition("@")[0]
    return unquote(userinfo.partition(":")[2])
