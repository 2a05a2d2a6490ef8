"""Staff read plain Japanese labels with the clause ID as a separate small tag, and customers never
see clause IDs: no translated message (the English msgid or its Japanese translation) and no
template text puts a requirement ID in brackets, such as 「（G5.3）」 or "In scope (G4)". The IDs
stay in code, comments, test names and data attributes."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

KOKUCHI = Path(settings.BASE_DIR) / "kokuchi"

REQUIREMENT_ID = r"(?<![A-Za-z0-9-])(?:G\d+(?:\.\d+)*(?:-\d+[a-z]*)?|S-[A-Z]{3,})(?![A-Za-z0-9])"
ID_IN_BRACKETS = re.compile(rf"[（(][^()（）]*{REQUIREMENT_ID}[^()（）]*[）)]")
TEMPLATE_COMMENT = re.compile(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", re.DOTALL)
GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def is_test_file(path: Path) -> bool:
    return "tests" in path.relative_to(KOKUCHI).parts


def compiled_messages() -> list[tuple[str, str]]:
    """(catalogue, text) for every English msgid and Japanese msgstr of the compiled catalogues."""
    texts = []
    for mo in sorted(KOKUCHI.glob("**/locale/ja/LC_MESSAGES/django.mo")):
        with open(mo, "rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        for key, value in catalogue.items():
            # Plural forms are keyed (msgid, index); a context is joined to its msgid by \x04.
            msgid = (key[0] if isinstance(key, tuple) else key).split("\x04")[-1]
            texts += [(str(mo.relative_to(KOKUCHI)), msgid), (str(mo.relative_to(KOKUCHI)), value)]
    return texts


def gettext_literals(path: Path) -> list[str]:
    literals = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in GETTEXT_FUNCTIONS:
            literals += [arg.value for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    return literals


def test_staff_text_has_no_requirement_ids_in_brackets_in_compiled_messages():
    found = [f"{catalogue}: {text}" for catalogue, text in compiled_messages() if ID_IN_BRACKETS.search(text)]
    assert found == []


def test_staff_text_has_no_requirement_ids_in_brackets_in_templates():
    found = []
    for template in sorted([*KOKUCHI.glob("**/templates/**/*.html"), *KOKUCHI.glob("**/templates/**/*.txt")]):
        if is_test_file(template):
            continue
        text = TEMPLATE_COMMENT.sub("", template.read_text(encoding="utf-8"))
        found += [f"{template.relative_to(KOKUCHI)}: {match.group()}" for match in ID_IN_BRACKETS.finditer(text)]
    assert found == []


def test_staff_text_has_no_requirement_ids_in_brackets_in_translatable_python_strings():
    found = []
    for module in sorted(KOKUCHI.glob("**/*.py")):
        if is_test_file(module):
            continue
        found += [
            f"{module.relative_to(KOKUCHI)}: {text}" for text in gettext_literals(module) if ID_IN_BRACKETS.search(text)
        ]
    assert found == []


def test_the_pattern_finds_ids_in_ascii_and_full_width_brackets():
    assert ID_IN_BRACKETS.search("In scope (G4)")
    assert ID_IN_BRACKETS.search("相談窓口がない場合は空欄にします（G6 の①）。")
    assert ID_IN_BRACKETS.search("提案したサービスプラン（G5.1-4、G5.3）")
    assert ID_IN_BRACKETS.search("顧客の自己保守能力（S-SKILL）")
    assert not ID_IN_BRACKETS.search("Identifiers (CPE 2.3)")
    assert not ID_IN_BRACKETS.search("告知書の契約条項は①（注意喚起のみ）になります。")
