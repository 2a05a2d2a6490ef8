"""One CPE 2.3 parser: the cases on which the four former splitters disagreed get one answer."""

import pytest

from kokuchi.core.cpe import cpe23_key, parse_cpe23


@pytest.mark.parametrize(
    ("value", "key"),
    [
        # The matcher lower-cased; the feed index, the disclosure's product keys and the
        # hardware test did not.
        ("cpe:2.3:o:Fortinet:FortiOS:7.0.12:*:*:*:*:*:*:*", ("o", "fortinet", "fortios")),
        # Only the matcher ignored surrounding blanks.
        (" cpe:2.3:o:yamaha:wlx212_firmware:*:*:*:*:*:*:*:*\n", ("o", "yamaha", "wlx212_firmware")),
        # Only the matcher accepted an upper-case prefix.
        ("CPE:2.3:h:nec:aterm_wg2600hs:-:*:*:*:*:*:*:*", ("h", "nec", "aterm_wg2600hs")),
        # The hardware test split on every colon, escaped ones included.
        ("cpe:2.3:a:foo\\:bar:baz:1.0:*:*:*:*:*:*:*", ("a", "foo\\:bar", "baz")),
        # The feed index accepted five fields; the others refused them.
        ("cpe:2.3:o:fortinet:fortios", None),
        ("cpe:/o:fortinet:fortios:7.0.12", None),
        ("", None),
    ],
)
def test_cpe23_key_one_answer(value, key):
    assert cpe23_key(value) == key


def test_parse_cpe23_keeps_every_attribute_escaped_and_lower_cased():
    cpe = parse_cpe23("cpe:2.3:o:Fortinet:FortiOS:7.0.12:Beta\\:1:*:*:*:*:*:*")

    assert cpe.attrs == ("o", "fortinet", "fortios", "7.0.12", "beta\\:1", "*", "*", "*", "*", "*", "*")
    assert cpe.with_version("7.2.6").version == "7.2.6"


def test_parse_cpe23_rejects_what_is_not_a_cpe():
    with pytest.raises(ValueError, match="not a CPE 2.3 formatted string"):
        parse_cpe23("cpe:2.3:o:fortinet:fortios")
