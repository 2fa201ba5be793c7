"""How ``tests/support/readme_curls.py`` finds and reads the README's ``curl`` lines (the e2e test runs them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.readme_curls import CurlRequest, readme_curls

MARKDOWN = """# Title

Prose mentioning `curl --data 5` is not a command.

```bash
bash infra/quickstart.sh   # curl in a comment is not a command
curl -H 'Accept: application/json' 'http://127.0.0.1:8080/recommend/1?howMany=5'   # trailing comment
oryx up --conf c.conf && curl -s http://127.0.0.1:8080/ready
```

```python
subprocess.run(["curl", "http://ignored"])
```

```
$ curl -X DELETE \\
    http://127.0.0.1:8080/pref/u/i
```

~~~sh
/usr/bin/curl --data-binary @- --data x http://127.0.0.1:8080/ingest | cat
~~~
"""


def test_every_shell_block_curl_is_found_with_its_line() -> None:
    found = readme_curls(MARKDOWN)
    assert [(c.line, c.args) for c in found] == [
        (7, ("-H", "Accept: application/json", "http://127.0.0.1:8080/recommend/1?howMany=5")),
        (8, ("-s", "http://127.0.0.1:8080/ready")),
        (16, ("-X", "DELETE", "http://127.0.0.1:8080/pref/u/i")),
        (21, ("--data-binary", "@-", "--data", "x", "http://127.0.0.1:8080/ingest")),
    ]


def test_requests_carry_method_target_headers_and_body() -> None:
    requests = [c.request() for c in readme_curls(MARKDOWN)]
    assert requests[0] == CurlRequest(
        "GET", "http://127.0.0.1:8080/recommend/1?howMany=5", ("Accept: application/json",), None
    )
    assert [r.target for r in requests] == [
        "GET /recommend/1?howMany=5",
        "GET /ready",
        "DELETE /pref/u/i",
        "POST /ingest",  # --data without -X means POST, as curl does
    ]
    assert requests[3].data == "@-&x"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("curl -u user:secret http://127.0.0.1:8080/ready", "curl option -u is not understood by this test"),
        ("curl -X", "-X without a value"),
        ("curl -s", "no URL in"),
        ("curl http://a/ http://b/", "two URLs in"),
    ],
)
def test_a_curl_line_the_test_cannot_read_is_an_error(line: str, message: str) -> None:
    (command,) = readme_curls(f"```bash\n{line}\n```\n")
    with pytest.raises(ValueError, match=message):
        command.request()


def test_a_curl_inside_another_command_is_an_error() -> None:
    with pytest.raises(ValueError, match="line 2: a curl inside another command cannot be run alone"):
        readme_curls('```bash\necho "$(curl -s http://127.0.0.1:8080/ready)"\n```\n')


def test_the_readme_curls_are_all_readable() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    found = readme_curls(readme)
    assert found, "README.md has no curl line in a fenced shell block"
    for command in found:
        assert command.request().url.startswith("http://127.0.0.1:8080/"), command.text
