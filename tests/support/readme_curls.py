"""The ``curl`` commands of a Markdown file's fenced shell blocks, split as a shell splits them.

``tests/e2e/test_readme_curls.py`` runs every one against a live stack. Every fenced block counts whose info
string is a shell (``bash``, ``sh``, ``shell``, ``console``, ``zsh``) or empty: a ``curl`` line anywhere in the
README is found, in the quick start or not. A line is split with ``shlex`` (quotes, ``#`` comments, backslash
continuations, an optional ``$ `` prompt) and cut at ``;``, ``&&``, ``||``, ``|`` and ``&``; each simple command
whose first word is ``curl`` (or ends in ``/curl``) is one :class:`ReadmeCurl`; a ``curl`` buried in another
command (``$(curl ...)``, ``xargs curl``) raises ValueError, since it cannot be run and checked alone.

Only the options below are understood. Any other makes :meth:`ReadmeCurl.request` raise, so a README line this
test could not faithfully run fails the test instead of being run half-understood.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["CurlRequest", "ReadmeCurl", "readme_curls"]

SHELL_LANGUAGES = frozenset({"", "bash", "sh", "shell", "console", "zsh"})
_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([^\s`]*)")
_SEPARATORS = frozenset({";", "&&", "||", "|", "&"})

_WITH_VALUE = {
    "-X": "method",
    "--request": "method",
    "-H": "header",
    "--header": "header",
    "-d": "data",
    "--data": "data",
    "--data-raw": "data",
    "--data-binary": "data",
    "--url": "url",
}
_FLAGS = frozenset({"-s", "--silent", "-S", "--show-error", "-f", "--fail", "--compressed", "-L", "--location"})


@dataclass(frozen=True)
class CurlRequest:
    """What one ``curl`` command asks for: the method, URL, request headers and body it sends."""

    method: str
    url: str
    headers: tuple[str, ...]
    data: str | None

    @property
    def target(self) -> str:
        """Method and request target without scheme and host, e.g. ``GET /recommend/1?howMany=5``."""
        parts = urlsplit(self.url)
        return f"{self.method} {parts.path}" + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True)
class ReadmeCurl:
    """One ``curl`` command: the line it starts on (1-based), its text as written, and curl's arguments."""

    line: int
    text: str
    args: tuple[str, ...]

    def request(self) -> CurlRequest:
        """The request the arguments describe; ValueError for an option this module does not understand."""
        method, url, headers, data = None, None, [], None
        args = list(self.args)
        while args:
            arg = args.pop(0)
            if arg in _WITH_VALUE:
                if not args:
                    raise ValueError(f"line {self.line}: {arg} without a value in {self.text!r}")
                kind, value = _WITH_VALUE[arg], args.pop(0)
                if kind == "method":
                    method = value
                elif kind == "header":
                    headers.append(value)
                elif kind == "data":
                    data = value if data is None else f"{data}&{value}"  # curl joins several --data with '&'
                elif url is None:
                    url = value
                else:
                    raise ValueError(f"line {self.line}: two URLs in {self.text!r}")
            elif arg in _FLAGS:
                continue
            elif arg.startswith("-"):
                raise ValueError(f"line {self.line}: curl option {arg} is not understood by this test: {self.text!r}")
            elif url is None:
                url = arg
            else:
                raise ValueError(f"line {self.line}: two URLs in {self.text!r}")
        if url is None:
            raise ValueError(f"line {self.line}: no URL in {self.text!r}")
        return CurlRequest(method or ("POST" if data is not None else "GET"), url, tuple(headers), data)


def _logical_lines(block: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Backslash-continued lines joined, each with the number of its first line."""
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, text in block:
        start, prefix = pending if pending is not None else (number, "")
        if text.rstrip().endswith("\\"):
            pending = (start, prefix + text.rstrip()[:-1] + " ")
            continue
        joined.append((start, prefix + text))
        pending = None
    if pending is not None:
        joined.append(pending)
    return joined


def _simple_commands(text: str) -> list[list[str]]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands: list[list[str]] = [[]]
    for token in lexer:
        if token in _SEPARATORS:
            commands.append([])
        else:
            commands[-1].append(token)
    return [command for command in commands if command]


def _shell_blocks(markdown: str) -> list[list[tuple[int, str]]]:
    blocks: list[list[tuple[int, str]]] = []
    fence: str | None = None
    shell = False
    for number, line in enumerate(markdown.splitlines(), start=1):
        found = _FENCE.match(line)
        if fence is None:
            if found:
                fence, shell = found.group(2), found.group(3).lower() in SHELL_LANGUAGES
                blocks.append([])
            continue
        if found and found.group(2).startswith(fence) and not found.group(3):
            fence = None
            if not shell:
                blocks.pop()
            continue
        if shell:
            blocks[-1].append((number, line))
    return blocks


def readme_curls(markdown: str) -> list[ReadmeCurl]:
    """Every ``curl`` command of ``markdown``'s fenced shell blocks, in order."""
    found = []
    for block in _shell_blocks(markdown):
        for number, text in _logical_lines(block):
            if not re.search(r"\bcurl\b", text):
                continue
            command_text = re.sub(r"^\s*\$\s+", "", text)
            for command in _simple_commands(command_text):
                if command[0] == "curl" or command[0].endswith("/curl"):
                    found.append(ReadmeCurl(number, command_text.strip(), tuple(command[1:])))
                elif any(re.search(r"\bcurl\b", word) for word in command):
                    raise ValueError(f"line {number}: a curl inside another command cannot be run alone: {text!r}")
    return found
