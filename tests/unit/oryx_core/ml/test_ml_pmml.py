"""PMML 4.4 I/O: hardened parsing, skeleton, extensions and array quoting (MODEL-REF: tests/unit/oryx_core/storage)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from oryx_core.ml.pmml import (
    PMML_NAMESPACE,
    PMMLError,
    UnsafePMMLError,
    add_array,
    add_child,
    add_extension,
    add_extension_content,
    array_values,
    find_child,
    find_children,
    get_extension,
    get_extension_content,
    get_timestamp_ms,
    iter_descendants,
    local_name,
    parse_pmml_array_content,
    pmml_skeleton,
    read_pmml,
    to_pmml_array_content,
    write_pmml,
)

XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><PMML version="4.4">&e;</PMML>'
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<PMML>&lol3;</PMML>"
)
TIMESTAMP_MS = 1418906934123

# ---- hardened parsing ----------------------------------------------------------------------------------


def test_xxe_document_is_rejected() -> None:
    with pytest.raises(UnsafePMMLError, match="DOCTYPE"):
        read_pmml(XXE)


def test_billion_laughs_document_is_rejected() -> None:
    with pytest.raises(UnsafePMMLError, match="entit"):
        read_pmml(BILLION_LAUGHS)


def test_external_dtd_is_rejected() -> None:
    with pytest.raises(UnsafePMMLError):
        read_pmml('<!DOCTYPE PMML SYSTEM "http://example.com/pmml.dtd"><PMML version="4.4"/>')


def test_unsafe_error_is_a_value_error() -> None:
    assert issubclass(UnsafePMMLError, ValueError)


def test_malformed_xml_raises_pmml_error() -> None:
    with pytest.raises(PMMLError, match="well-formed"):
        read_pmml("<PMML><Header></PMML>")


def test_non_pmml_root_is_rejected() -> None:
    with pytest.raises(PMMLError, match="<html>"):
        read_pmml("<html/>")


def test_older_pmml_namespace_is_read_by_local_name() -> None:
    root = read_pmml('<PMML xmlns="http://www.dmg.org/PMML-4_3" version="4.3"><Header/><TreeModel/></PMML>')
    assert find_child(root, "TreeModel") is not None


# ---- writing and skeleton ------------------------------------------------------------------------------


def test_written_pmml_has_declaration_and_default_namespace() -> None:
    text = write_pmml(pmml_skeleton(TIMESTAMP_MS))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<PMML ')
    assert f'xmlns="{PMML_NAMESPACE}"' in text
    assert "ns0:" not in text


def test_written_pmml_is_pretty_printed() -> None:
    lines = write_pmml(pmml_skeleton(TIMESTAMP_MS)).splitlines()
    assert lines[2] == "  <Header>"
    assert lines[3] == '    <Application name="Oryx" />'


def test_skeleton_round_trips() -> None:
    root = read_pmml(write_pmml(pmml_skeleton(TIMESTAMP_MS)))
    assert root.tag == f"{{{PMML_NAMESPACE}}}PMML"
    assert root.get("version") == "4.4"
    header = find_child(root, "Header")
    assert header is not None
    application = find_child(header, "Application")
    assert application is not None and application.get("name") == "Oryx"
    assert get_timestamp_ms(root) == TIMESTAMP_MS


def test_write_read_write_is_stable() -> None:
    root = pmml_skeleton(TIMESTAMP_MS)
    add_extension(root, "X", "X/")
    text = write_pmml(root)
    assert write_pmml(read_pmml(text)) == text


def test_unqualified_and_older_namespace_tags_are_written_as_pmml_4_4() -> None:
    root = read_pmml('<PMML xmlns="http://www.dmg.org/PMML-4_3" version="4.3"><Header/></PMML>')
    header = find_child(root, "Header")
    assert header is not None
    header.append(ET.Element("Extra"))
    reread = read_pmml(write_pmml(root))
    assert reread.get("version") == "4.4"
    assert {e.tag for e in reread.iter()} == {f"{{{PMML_NAMESPACE}}}{n}" for n in ("PMML", "Header", "Extra")}


def test_write_does_not_modify_the_given_tree() -> None:
    root = pmml_skeleton(TIMESTAMP_MS)
    write_pmml(root)
    assert root.get("xmlns") is None
    assert root.tag == f"{{{PMML_NAMESPACE}}}PMML"


def test_find_helpers_ignore_namespace() -> None:
    root = read_pmml(
        '<PMML xmlns="http://www.dmg.org/PMML-4_4" version="4.4"><ClusteringModel>'
        '<Cluster id="0"/><Cluster id="1"/></ClusteringModel></PMML>'
    )
    model = find_child(root, "ClusteringModel")
    assert model is not None
    assert [c.get("id") for c in find_children(model, "Cluster")] == ["0", "1"]
    assert [c.get("id") for c in iter_descendants(root, "Cluster")] == ["0", "1"]
    assert local_name(model.tag) == "ClusteringModel"
    assert find_child(root, "TreeModel") is None


# ---- extensions ----------------------------------------------------------------------------------------


def test_extension_values_round_trip_with_java_booleans() -> None:
    root = pmml_skeleton(TIMESTAMP_MS)
    add_extension(root, "features", 10)
    add_extension(root, "implicit", True)
    reread = read_pmml(write_pmml(root))
    assert get_extension(reread, "features") == "10"
    assert get_extension(reread, "implicit") == "true"
    assert get_extension(reread, "missing") is None


def test_extension_content_quoting_round_trips_spaces_and_quotes() -> None:
    ids = ["plain", "with space", 'say "hi"', "back\\slash", "", " padded "]
    root = pmml_skeleton(TIMESTAMP_MS)
    add_extension_content(root, "XIDs", ids)
    assert get_extension_content(read_pmml(write_pmml(root)), "XIDs") == ids


def test_empty_extension_content_adds_nothing() -> None:
    root = pmml_skeleton(TIMESTAMP_MS)
    assert add_extension_content(root, "YIDs", []) is None
    assert get_extension_content(root, "YIDs") == []


def test_root_extensions_follow_the_header_and_model_extensions_come_first() -> None:
    root = pmml_skeleton(TIMESTAMP_MS)
    model = add_child(root, "TreeModel")
    add_child(model, "MiningSchema")
    add_extension(root, "maxDepth", 8)
    add_extension(model, "note", "x")
    assert [local_name(e.tag) for e in root] == ["Header", "TreeModel", "Extension"]
    assert [local_name(e.tag) for e in model] == ["Extension", "MiningSchema"]


# ---- array content -------------------------------------------------------------------------------------


def test_array_content_quotes_like_oryx() -> None:
    assert to_pmml_array_content(["ab", "a b", 'with "quotes" ']) == 'ab "a b" "with \\"quotes\\" "'
    assert to_pmml_array_content([1, 22, 3]) == "1 22 3"
    assert to_pmml_array_content([-1.0, 2.01, 3.5]) == "-1.0 2.01 3.5"


def test_array_content_parses_oryx_written_text() -> None:
    assert parse_pmml_array_content('ab "a b" "with \\"quotes\\" "') == ["ab", "a b", 'with "quotes" ']


def test_array_content_ignores_surrounding_whitespace() -> None:
    assert parse_pmml_array_content('\n  1  2\n\t"x y"  ') == ["1", "2", "x y"]


@pytest.mark.parametrize("text", ["a b", " \u2003x\u00a0y\x1cz\n", "1\t\t2 \r\n3", "\u3000", "é ü\u2028ß"])
def test_unquoted_content_splits_as_the_quoting_parser_does(text: str) -> None:
    # a trailing quoted empty value sends the same text through the character loop; the fast split must agree
    assert parse_pmml_array_content(text) == parse_pmml_array_content(text + ' ""')[:-1]


def test_unterminated_quote_is_an_error() -> None:
    with pytest.raises(PMMLError, match="unterminated"):
        parse_pmml_array_content('a "b c')


def test_array_element_round_trips() -> None:
    root = pmml_skeleton(TIMESTAMP_MS)
    cluster = add_child(root, "Cluster", {"id": "0", "size": 4})
    add_array(cluster, [1.5, -2.0], "real")
    array = next(iter_descendants(read_pmml(write_pmml(root)), "Array"))
    assert array.get("n") == "2"
    assert array.get("type") == "real"
    assert array_values(array) == ["1.5", "-2.0"]
