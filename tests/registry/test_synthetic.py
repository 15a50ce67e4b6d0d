"""The synthetic city (`generate-city`): valid, consistent, realistic and deterministic rows."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, F, Q

from minzheng.core.errors import Conflict
from minzheng.core.identifiers import is_valid_mobile, validate_id_number
from minzheng.core.regions.models import Region, RegionLevel
from minzheng.registry import synthetic
from minzheng.registry.models import DisabilityCertificate, Household, HouseholdMember, Person
from minzheng.registry.synthetic_load import TABLES, prefetched
from minzheng.registry.synthetic_names import CENSUS_2020, SICHUAN_ERA_LIST

SICHUAN_ERA_END = date(1997, 3, 14)
AS_OF = synthetic.AS_OF
Generate = Callable[..., synthetic.CitySummary]


def _region(code: str, name: str, level: str, parent: Region | None, urban_rural: str = "", **extra: object) -> Region:
    region = Region.objects.create(
        code=code,
        name=name,
        level=level,
        parent=parent,
        urban_rural_class=urban_rural,
        valid_from=date(2000, 1, 1),
        **extra,
    )
    region.path = (parent.path if parent else "/") + f"{region.id}/"
    region.save(update_fields=["path"])
    return region


@pytest.fixture
def small_tree(db: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Region]:
    """Eight villages: 渝中 (urban), 石柱 (土家族 county), and 两江新区 villages still coded 500112/500105."""
    monkeypatch.setattr(synthetic, "_ensure_region_tree", lambda scale: None)
    city = _region("500000", "重庆市", RegionLevel.PROVINCE, None)
    yuzhong = _region("500103", "渝中区", RegionLevel.DISTRICT, city)
    shizhu = _region("500240", "石柱土家族自治县", RegionLevel.DISTRICT, city)
    liangjiang = _region("500157", "两江新区", RegionLevel.DISTRICT, city, confirmed=False)
    _region("500112", "渝北区", RegionLevel.DISTRICT, city, valid_to=date(2025, 11, 5))
    t_yz = _region("500103001", "七星岗街道", RegionLevel.TOWNSHIP, yuzhong)
    t_sz = _region("500240101", "南宾镇", RegionLevel.TOWNSHIP, shizhu)
    t_yb = _region("500112001", "双龙湖街道", RegionLevel.TOWNSHIP, liangjiang)
    t_jb = _region("500105002", "观音桥街道", RegionLevel.TOWNSHIP, liangjiang)
    villages = {
        "yz1": _region("500103001001", "金汤街社区", RegionLevel.VILLAGE, t_yz, "111"),
        "yz2": _region("500103001002", "上清寺社区", RegionLevel.VILLAGE, t_yz, "112"),
        "sz1": _region("500240101001", "城南社区", RegionLevel.VILLAGE, t_sz, "121"),
        "sz2": _region("500240101201", "龙井村", RegionLevel.VILLAGE, t_sz, "220"),
        "sz3": _region("500240101202", "万安村", RegionLevel.VILLAGE, t_sz, "210"),
        "yb1": _region("500112001001", "双湖社区", RegionLevel.VILLAGE, t_yb, "111"),
        "yb2": _region("500112001201", "石坪村", RegionLevel.VILLAGE, t_yb, ""),
        "jb1": _region("500105002001", "观音桥社区", RegionLevel.VILLAGE, t_jb, "111"),
    }
    return {"city": city, "liangjiang": liangjiang, **villages}


@pytest.fixture
def generate(small_tree: dict[str, Region]) -> Generate:
    def run(households: int = 300, seed: int = 7, **options: object) -> synthetic.CitySummary:
        return synthetic.generate_city(households=households, seed=seed, **options)  # type: ignore[arg-type]

    return run


def _digest() -> str:
    rows = Person.objects.order_by("id").values_list("id", "id_number", "name", "birth_on", "phone", "died_on")
    members = HouseholdMember.objects.order_by("id").values_list("household_id", "person_id", "relation")
    return hashlib.sha256(repr((list(rows), list(members))).encode()).hexdigest()


def test_counts_match_the_summary(generate: Generate) -> None:
    summary = generate(300)
    assert summary.households == Household.objects.count() == 300
    assert summary.persons == Person.objects.count()
    assert summary.members == HouseholdMember.objects.count() == summary.persons
    assert summary.certificates == DisabilityCertificate.objects.count()
    assert 2.4 < summary.persons / summary.households < 3.0


def test_id_numbers_are_valid_and_agree_with_the_person(generate: Generate) -> None:
    generate(300)
    origin = dict(
        HouseholdMember.objects.filter(Q(valid_to__isnull=True) | Q(end_reason="迁出")).values_list(
            "person_id", "household__region__code"
        )
    )
    sichuan = set(SICHUAN_ERA_LIST)
    for person in Person.objects.all():
        resident = validate_id_number(person.id_number, today=AS_OF)
        assert resident.birth_on == person.birth_on
        assert resident.sex == person.sex
        if person.id in origin:  # the village of the household the person was born or registered into
            expected = origin[person.id][:6]
            assert resident.region_code == expected or (
                person.birth_on < SICHUAN_ERA_END and resident.region_code in sichuan
            ), person.id_number


def test_older_people_sometimes_carry_sichuan_era_codes(generate: Generate) -> None:
    generate(1000)
    older = Person.objects.filter(birth_on__lt=SICHUAN_ERA_END)
    share = older.filter(id_number__startswith="51").count() / older.count()
    assert 0.10 < share < 0.20
    assert not Person.objects.filter(birth_on__gte=SICHUAN_ERA_END, id_number__startswith="51").exists()


def test_households_have_one_head_and_one_to_seven_current_members(generate: Generate) -> None:
    generate(500)
    current = HouseholdMember.objects.filter(valid_to__isnull=True)
    sizes = Counter(current.values("household").annotate(n=Count("id")).values_list("n", flat=True))
    assert set(sizes) == set(range(1, 8))
    heads = current.filter(is_head=True)
    assert heads.count() == Household.objects.count()
    assert not heads.exclude(relation="02").exists()
    assert not current.filter(relation="02", is_head=False).exists()
    assert not current.values("person").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert set(HouseholdMember.objects.values_list("relation", flat=True)) <= {
        "02",
        "10",
        "20",
        "30",
        "40",
        "50",
    }
    numbers = list(Household.objects.values_list("number", "region__code"))
    assert all(number.startswith(code) and len(number) == 17 for number, code in numbers)


def test_ages_are_plausible_relative_to_the_head(generate: Generate) -> None:
    generate(500)
    heads = dict(HouseholdMember.objects.filter(is_head=True).values_list("household_id", "person__birth_on"))
    years = 365.2425
    for household_id, relation, birth_on in HouseholdMember.objects.values_list(
        "household_id", "relation", "person__birth_on"
    ):
        gap = (birth_on - heads[household_id]).days / years  # positive: younger than the head
        if relation in ("20", "30"):
            assert gap > 14, (relation, gap)
        elif relation == "40":
            assert gap > 30, (relation, gap)
        elif relation == "50":
            assert gap < -18, (relation, gap)
        elif relation == "10":
            assert abs(gap) < 12, (relation, gap)


def test_history_deaths_and_moves(generate: Generate) -> None:
    generate(1000)
    ended = HouseholdMember.objects.filter(valid_to__isnull=False).select_related("person")
    assert set(ended.values_list("end_reason", flat=True)) == {"死亡", "迁出"}
    for member in ended:
        assert member.valid_to is not None
        assert member.valid_from <= member.valid_to <= AS_OF
        assert not member.is_head
        if member.end_reason == "死亡":
            assert member.person.died_on == member.valid_to
    dead = Person.objects.filter(died_on__isnull=False)
    assert not HouseholdMember.objects.filter(person__in=dead, valid_to__isnull=True).exists()
    assert 0.004 < dead.count() / Person.objects.count() < 0.02
    for member in HouseholdMember.objects.select_related("person"):
        assert member.valid_from >= min(member.person.birth_on, date(1958, 1, 9))


def test_disability_certificates(generate: Generate) -> None:
    generate(1000)
    certificates = DisabilityCertificate.objects.select_related("person")
    for certificate in certificates:
        person = certificate.person
        expected = f"{person.id_number}{certificate.disability_category}{certificate.disability_grade}"
        assert certificate.certificate_number == expected
        assert len(certificate.certificate_number) == 20
        assert certificate.disability_category in "1234567"
        assert 1 <= certificate.disability_grade <= 4
        assert person.birth_on < certificate.valid_from <= AS_OF
        assert certificate.valid_to is not None
        assert certificate.valid_to > AS_OF
        assert person.died_on is None
    share = certificates.count() / Person.objects.filter(died_on__isnull=True).count()
    assert 0.04 < share < 0.08


def test_population_shape_on_3000_households(generate: Generate) -> None:
    generate(3000)
    alive = Person.objects.filter(died_on__isnull=True)
    total = alive.count()

    def share(**lookup: object) -> float:
        return alive.filter(**lookup).count() / total

    assert 0.19 < share(birth_on__lte=date(AS_OF.year - 60, AS_OF.month, AS_OF.day)) < 0.25
    assert 0.12 < share(birth_on__gt=date(AS_OF.year - 15, AS_OF.month, AS_OF.day)) < 0.20
    assert 0.45 < share(sex="male") < 0.55
    separated = alive.exclude(residence_region_id=F("hukou_region_id")).count() / total
    assert 0.06 < separated < 0.11
    assert 0.01 < share(serious_illness=True) < 0.06
    assert 0.03 < 1 - share(work_ability="full") < 0.12


def test_names_phones_ethnic_groups_and_hukou_type(generate: Generate, small_tree: dict[str, Region]) -> None:
    generate(1000)
    assert all(2 <= len(name) <= 3 for name in Person.objects.values_list("name", flat=True))
    phones = list(Person.objects.exclude(phone="").values_list("phone", flat=True))
    assert len(phones) > 0.7 * Person.objects.count()
    assert all(is_valid_mobile(phone) and len(phone) == 11 for phone in phones)
    shizhu = Counter(
        Person.objects.filter(hukou_region__code__startswith="500240").values_list("ethnic_group", flat=True)
    )
    assert shizhu.most_common(1)[0][0] == "15"
    yuzhong = Counter(
        Person.objects.filter(hukou_region__code__startswith="500103").values_list("ethnic_group", flat=True)
    )
    assert yuzhong.most_common(1)[0][0] == "01"
    types = dict(Household.objects.values_list("region__code", "hukou_type").distinct())
    assert types[small_tree["yz1"].code] == "urban"
    assert types[small_tree["sz2"].code] == "rural"
    assert types[small_tree["yb2"].code] == "urban"  # no class: a 街道 (township 0xx) counts as urban


def test_same_seed_same_rows_other_seed_other_rows(generate: Generate) -> None:
    generate(300, seed=11)
    first = _digest()
    generate(300, seed=11, replace=True)
    assert _digest() == first
    generate(300, seed=12, replace=True)
    assert _digest() != first


def test_chunking_and_prefetching_do_not_change_the_rows(generate: Generate, monkeypatch: pytest.MonkeyPatch) -> None:
    generate(300)
    whole = _digest()
    monkeypatch.setattr(synthetic, "CHUNK_HOUSEHOLDS", 37)
    seen: list[int] = []
    generate(300, replace=True, progress=seen.append)
    assert _digest() == whole
    assert seen == [*range(37, 300, 37), 300]


def test_existing_registry_is_a_conflict_unless_replaced(generate: Generate) -> None:
    generate(50)
    with pytest.raises(Conflict) as raised:
        generate(50)
    assert raised.value.code == "city.exists"
    assert Household.objects.count() == 50
    summary = generate(80, replace=True)
    assert Household.objects.count() == summary.households == 80


def test_ids_continue_after_the_load(generate: Generate, small_tree: dict[str, Region]) -> None:
    generate(50)
    top = Person.objects.order_by("-id").values_list("id", flat=True)[0]
    person = Person.objects.create(
        id_number="50010319800101001X",
        name="测试",
        sex="male",
        birth_on=date(1980, 1, 1),
        hukou_region=small_tree["yz1"],
        residence_region=small_tree["yz1"],
    )
    assert person.id > top


def test_indexes_and_constraints_survive_the_load(generate: Generate) -> None:
    def structure() -> dict[str, list[tuple[str, bool, bool, bool]]]:
        with connection.cursor() as cursor:
            return {
                model._meta.db_table: sorted(
                    (name, bool(info["unique"]), bool(info["index"]), bool(info["foreign_key"]))
                    for name, info in connection.introspection.get_constraints(cursor, model._meta.db_table).items()
                )
                for model, _columns in TABLES
            }

    before = structure()
    generate(100)
    assert structure() == before


def test_village_weights_follow_the_census(small_tree: dict[str, Region]) -> None:
    villages = synthetic.current_villages()
    weights = dict(zip((v.code for v in villages), synthetic.village_weights(villages), strict=True))
    # 渝中: two urban villages share the district's population.
    assert weights["500103001001"] == pytest.approx(CENSUS_2020["500103"] / 2)
    # 两江新区 villages keep the weight of the district that coded them (渝北, 江北).
    assert weights["500105002001"] == pytest.approx(CENSUS_2020["500105"])
    assert weights["500112001001"] + weights["500112001201"] == pytest.approx(CENSUS_2020["500112"])
    # A rural 村 counts half a 社区 of the same district.
    assert weights["500240101201"] == pytest.approx(weights["500240101001"] / 2)


def test_allocate_is_exact_and_proportional() -> None:
    counts = synthetic.allocate(1000, [1.0, 2.0, 3.0, 0.5])
    assert sum(counts) == 1000
    assert counts == [154, 308, 461, 77]
    assert synthetic.allocate(3, [1.0, 1.0, 1.0, 1.0]) == [1, 1, 1, 0]


def test_prefetched_keeps_order_and_forwards_errors() -> None:
    assert list(prefetched(iter(range(100)), depth=3)) == list(range(100))

    def failing() -> object:
        yield 1
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        list(prefetched(failing()))  # type: ignore[arg-type]


def test_command_prints_a_chinese_summary(small_tree: dict[str, Region], capsys: pytest.CaptureFixture[str]) -> None:
    call_command("generate_city", households=40, seed=3)
    assert "已生成 40 户" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_city", households=40, seed=3)
    call_command("generate_city", households=20, seed=3, replace=True)
    assert Household.objects.count() == 20


@pytest.mark.django_db
def test_with_the_real_region_tree() -> None:
    summary = synthetic.generate_city(households=400, seed=2025)
    current_villages = Region.objects.filter(level=RegionLevel.VILLAGE, valid_to__isnull=True)
    assert not Household.objects.exclude(region__in=current_villages).exists()
    liangjiang = Region.objects.get(code="500157", valid_to__isnull=True)
    in_liangjiang = Person.objects.filter(
        hukou_region__path__startswith=liangjiang.path, memberships__valid_to__isnull=True
    )
    prefixes = {number[:6] for number in in_liangjiang.values_list("id_number", flat=True)}
    assert prefixes & {"500105", "500112"}
    assert "500157" not in prefixes
    assert summary.persons == Person.objects.count()
