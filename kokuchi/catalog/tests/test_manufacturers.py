from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from kokuchi.catalog.manufacturers import DEFAULT_PATH, ManufacturerDataError, load_manufacturers, read_manufacturers
from kokuchi.catalog.models import Manufacturer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("packaged_manufacturers")]


def packaged_entries() -> list[dict]:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))["manufacturers"]


def write_yaml(path, entries) -> str:
    path.write_text(yaml.safe_dump({"manufacturers": entries}, allow_unicode=True), encoding="utf-8")
    return str(path)


def test_g5_2_3_packaged_yaml_is_valid_and_names_a_source_for_every_entry():
    entries = read_manufacturers(DEFAULT_PATH)
    assert len(entries) == len({entry.slug for entry in entries}) == 37
    assert [entry.slug for entry in entries if not entry.source.strip()] == []


def test_g5_2_3_loading_into_an_empty_table_creates_every_manufacturer_field_by_field(packaged_manufacturers):
    """Every field equals the YAML (null URL -> empty)."""
    entries = packaged_entries()
    assert packaged_manufacturers.created == [entry["id"] for entry in entries]
    assert Manufacturer.objects.count() == len(entries) == 37
    for entry in entries:
        manufacturer = Manufacturer.objects.get(slug=entry["id"])
        assert manufacturer.name_ja == entry["name_ja"]
        assert manufacturer.name_en == entry["name_en"]
        assert manufacturer.vulnerability_info_url == (entry["psirt_url"] or "")
        assert manufacturer.support_url == (entry["support_url"] or "")
        assert manufacturer.csaf_provider_metadata_url == (entry["csaf_provider_metadata"] or "")
        assert manufacturer.verified is entry["verified"]
        assert manufacturer.source == entry["source"]
        assert manufacturer.notes == entry["notes"]


def test_g5_2_3_fortinet_row_exactly():
    fortinet = Manufacturer.objects.get(slug="fortinet")
    assert fortinet.name_ja == "フォーティネット"
    assert fortinet.vulnerability_info_url == "https://www.fortiguard.com/psirt"
    assert fortinet.support_url == "https://support.fortinet.com/Download/FirmwareImages.aspx"
    assert fortinet.csaf_provider_metadata_url == ""
    assert fortinet.cpe_vendors == ["fortinet"]
    assert fortinet.aliases == ["フォーティネット", "FortiGate"]
    assert fortinet.needs_confirmation is False


def test_g5_2_3_unverified_entries_need_confirmation():
    unverified = {entry["id"] for entry in packaged_entries() if not entry["verified"]}
    assert unverified == {"yamaha", "buffalo", "iodata", "allied_telesis", "fujitsu", "konica_minolta"}
    flagged = {m.slug for m in Manufacturer.objects.all() if m.needs_confirmation}
    assert flagged == unverified
    assert Manufacturer.objects.get(slug="yamaha").vulnerability_info_url == ""


def test_cpe_vendor_names_come_from_the_feed_samples(feed_samples_dir):
    assert dict(Manufacturer.objects.exclude(cpe_vendors=[]).values_list("slug", "cpe_vendors")) == {
        "yamaha": ["yamaha"],
        "nec": ["nec"],
        "buffalo": ["buffalo"],
        "iodata": ["i-o_data_device"],
        "elecom": ["elecom"],
        "fortinet": ["fortinet"],
        "cisco": ["cisco"],
        "paloalto": ["paloaltonetworks"],
        "microsoft": ["microsoft"],
        "apple": ["apple"],
    }
    text = "".join(
        p.read_text(errors="replace") for p in feed_samples_dir.rglob("*") if p.suffix in {".json", ".xml", ".rdf"}
    )
    for vendors in Manufacturer.objects.values_list("cpe_vendors", flat=True):
        for vendor in vendors:
            assert f":{vendor}:" in text


def test_aliases_are_loaded_from_the_yaml():
    assert dict(Manufacturer.objects.exclude(aliases=[]).values_list("slug", "aliases")) == {
        "nec": ["日本電気", "NEC", "Aterm", "UNIVERGE"],
        "yamaha": ["ヤマハ"],
        "buffalo": ["バッファロー", "AirStation", "TeraStation", "LinkStation"],
        "iodata": ["アイ・オー・データ", "アイオーデータ", "アイ・オー・データ機器", "I-O DATA"],
        "elecom": ["エレコム"],
        "fujitsu": ["富士通"],
        "cisco": ["シスコ", "シスコシステムズ"],
        "fortinet": ["フォーティネット", "FortiGate"],
        "paloalto": ["パロアルトネットワークス", "パロアルト"],
        "microsoft": ["マイクロソフト", "Microsoft"],
        "allied_telesis": ["アライドテレシス"],
        "netgear": ["ネットギア"],
        "panasonic": ["パナソニック"],
        "canon": ["キヤノン"],
        "ricoh": ["リコー"],
        "sharp": ["シャープ"],
        "brother": ["ブラザー"],
        "epson": ["エプソン", "セイコーエプソン"],
        "kyocera": ["京セラ"],
        "konica_minolta": ["コニカミノルタ"],
        "synology": ["シノロジー"],
        "qnap": ["キューナップ"],
        "sonicwall": ["ソニックウォール"],
        "juniper": ["ジュニパー"],
        "tplink": ["ティーピーリンク"],
    }


def test_reload_fills_empty_lists_of_existing_rows_and_keeps_what_staff_added():
    Manufacturer.objects.filter(slug="cisco").update(cpe_vendors=[], aliases=[])
    Manufacturer.objects.filter(slug="buffalo").update(cpe_vendors=["buffalo_inc"], aliases=["バッファロ", "BUFFALO"])
    result = load_manufacturers(path=DEFAULT_PATH)
    assert (result.created, result.updated, result.kept) == ([], ["buffalo", "cisco"], [])
    cisco = Manufacturer.objects.get(slug="cisco")
    buffalo = Manufacturer.objects.get(slug="buffalo")
    assert (cisco.cpe_vendors, cisco.aliases) == (["cisco"], ["シスコ", "シスコシステムズ"])
    assert (buffalo.cpe_vendors, buffalo.aliases) == (
        ["buffalo_inc", "buffalo"],
        ["バッファロ", "BUFFALO", "バッファロー", "AirStation", "TeraStation", "LinkStation"],
    )


def test_reload_does_not_add_a_name_staff_already_wrote_another_way():
    Manufacturer.objects.filter(slug="yamaha").update(aliases=["ﾔﾏﾊ"])
    result = load_manufacturers(path=DEFAULT_PATH)
    assert result.updated == []
    assert Manufacturer.objects.get(slug="yamaha").aliases == ["ﾔﾏﾊ"]


def test_reload_is_a_no_op():
    before = dict(Manufacturer.objects.values_list("slug", "updated_at"))
    result = load_manufacturers(path=DEFAULT_PATH)
    assert (result.created, result.updated, result.kept) == ([], [], [])
    assert len(result.unchanged) == 37
    assert dict(Manufacturer.objects.values_list("slug", "updated_at")) == before


def test_staff_confirmed_url_is_never_overwritten(tmp_path):
    yamaha = Manufacturer.objects.get(slug="yamaha")
    yamaha.vulnerability_info_url = "https://staff.example.jp/yamaha-security"
    yamaha.verified = True
    yamaha.save()
    entries = packaged_entries()
    result = load_manufacturers(path=write_yaml(tmp_path / "m.yaml", entries))
    yamaha.refresh_from_db()
    assert yamaha.vulnerability_info_url == "https://staff.example.jp/yamaha-security"
    assert yamaha.verified is True
    assert result.updated == []
    # A YAML that now names a different URL (still unverified) does not replace it either.
    entries[0]["psirt_url"] = "https://example.jp/other"
    result = load_manufacturers(path=write_yaml(tmp_path / "m2.yaml", entries))
    yamaha.refresh_from_db()
    assert yamaha.vulnerability_info_url == "https://staff.example.jp/yamaha-security"
    assert yamaha.verified is True
    assert result.kept == ["yamaha.vulnerability_info_url"]


def test_null_url_in_yaml_does_not_clear_a_url_staff_filled_in(tmp_path):
    Manufacturer.objects.filter(slug="fujitsu").update(support_url="https://staff.example.jp/fujitsu")
    load_manufacturers(path=DEFAULT_PATH)
    assert Manufacturer.objects.get(slug="fujitsu").support_url == "https://staff.example.jp/fujitsu"
    assert Manufacturer.objects.get(slug="fujitsu").verified is False


def test_yaml_fills_empty_fields_and_confirms_the_same_url(tmp_path):
    entries = packaged_entries()
    entries[0]["psirt_url"] = "https://example.jp/yamaha-psirt"
    entries[0]["verified"] = True
    entries[0]["notes"] = "confirmed"
    result = load_manufacturers(path=write_yaml(tmp_path / "m.yaml", entries))
    yamaha = Manufacturer.objects.get(slug="yamaha")
    assert result.updated == ["yamaha"]
    assert (yamaha.vulnerability_info_url, yamaha.verified, yamaha.notes) == (
        "https://example.jp/yamaha-psirt",
        True,
        "confirmed",
    )
    assert yamaha.needs_confirmation is False


def test_new_entry_with_cpe_vendors_and_aliases_is_created(tmp_path):
    entries = packaged_entries() + [
        {
            "id": "newvendor",
            "name_ja": "新メーカー",
            "psirt_url": None,
            "support_url": None,
            "csaf_provider_metadata": None,
            "verified": False,
            "cpe_vendors": ["new_vendor", "newvendor"],
            "aliases": ["シンメーカー", "NewVendor"],
        }
    ]
    load_manufacturers(path=write_yaml(tmp_path / "m.yaml", entries))
    created = Manufacturer.objects.get(slug="newvendor")
    assert (created.cpe_vendors, created.aliases) == (["new_vendor", "newvendor"], ["シンメーカー", "NewVendor"])


def test_new_entry_is_created(tmp_path):
    entries = packaged_entries() + [
        {
            "id": "newvendor",
            "name_ja": "新メーカー",
            "name_en": "New Vendor",
            "psirt_url": None,
            "support_url": None,
            "csaf_provider_metadata": None,
            "source": "test",
            "verified": False,
        }
    ]
    result = load_manufacturers(path=write_yaml(tmp_path / "m.yaml", entries))
    assert result.created == ["newvendor"]
    created = Manufacturer.objects.get(slug="newvendor")
    assert (created.name_ja, created.vulnerability_info_url, created.notes, created.needs_confirmation) == (
        "新メーカー",
        "",
        "",
        True,
    )
    assert (created.cpe_vendors, created.aliases) == ([], [])


@pytest.mark.parametrize(
    ("index", "change", "message"),
    [
        (1, {"psirt_url": "not a url"}, "manufacturers[1] (id=nec): psirt_url: not a valid http(s) URL"),
        (2, {"name_ja": ""}, "manufacturers[2] (id=buffalo): name_ja: required"),
        (3, {"verified": "yes"}, "manufacturers[3] (id=iodata): verified: required, true or false"),
        (4, {"id": "bad id"}, "manufacturers[4] (id=bad id): id: only letters"),
        (5, {"id": "yamaha"}, "manufacturers[5] (id=yamaha): duplicate id"),
        (0, {"verified": True}, "manufacturers[0] (id=yamaha): verified: true needs a psirt_url"),
        (6, {"support_url": "ftp://example.jp/x"}, "manufacturers[6] (id=fortinet): support_url"),
        (
            0,
            {"cpe_vendors": ["Yamaha"]},
            "manufacturers[0] (id=yamaha): cpe_vendors: 'Yamaha' is not a CPE vendor name",
        ),
        (0, {"cpe_vendors": "yamaha"}, "manufacturers[0] (id=yamaha): cpe_vendors: Expected a list"),
        (7, {"cpe_vendors": ["cisco", "cisco"]}, "manufacturers[7] (id=cisco): cpe_vendors: names a value twice"),
        (1, {"aliases": "日本電気"}, "manufacturers[1] (id=nec): aliases: Expected a list of names"),
        (1, {"aliases": ["日本電気", ""]}, "manufacturers[1] (id=nec): aliases: '' is not a name"),
        (1, {"aliases": ["株式会社"]}, "manufacturers[1] (id=nec): aliases: '株式会社' is not a name"),
        (2, {"aliases": [1]}, "manufacturers[2] (id=buffalo): aliases: Expected a list of names"),
        (
            2,
            {"aliases": ["ヤマハ株式会社"]},
            "manufacturers[2] (id=buffalo): aliases: 'ヤマハ株式会社' already names yamaha",
        ),
        (
            2,
            {"aliases": ["NEC Corporation"]},
            "manufacturers[2] (id=buffalo): aliases: 'NEC Corporation' already names nec",
        ),
    ],
)
def test_malformed_yaml_is_rejected_naming_the_entry_and_changes_nothing(tmp_path, index, change, message):
    entries = packaged_entries()
    entries[0]["name_ja"] = "変更されるはずのない名前"
    entries[index] = entries[index] | change
    before = list(Manufacturer.objects.order_by("slug").values())
    with pytest.raises(ManufacturerDataError) as excinfo:
        load_manufacturers(path=write_yaml(tmp_path / "bad.yaml", entries))
    assert str(excinfo.value).startswith(message)
    assert list(Manufacturer.objects.order_by("slug").values()) == before


def test_missing_url_key_is_rejected(tmp_path):
    entries = packaged_entries()
    del entries[7]["csaf_provider_metadata"]
    expected = r"^manufacturers\[7\] \(id=cisco\): csaf_provider_metadata: missing"
    with pytest.raises(ManufacturerDataError, match=expected):
        load_manufacturers(path=write_yaml(tmp_path / "bad.yaml", entries))


def test_wrong_top_level_shape_is_rejected(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("- id: yamaha\n", encoding="utf-8")
    with pytest.raises(ManufacturerDataError, match="expected a mapping with a 'manufacturers' list"):
        load_manufacturers(path=path)


def test_load_manufacturers_command_reports_counts():
    out = StringIO()
    call_command("load_manufacturers", str(DEFAULT_PATH), stdout=out)
    assert out.getvalue() == "Manufacturers: 0 created, 0 updated, 37 unchanged.\n"


def test_load_manufacturers_command_fails_on_bad_yaml(tmp_path):
    entries = packaged_entries()
    entries[1]["psirt_url"] = "nope"
    with pytest.raises(CommandError, match=r"manufacturers\[1\] \(id=nec\): psirt_url"):
        call_command("load_manufacturers", write_yaml(tmp_path / "bad.yaml", entries), stdout=StringIO())
