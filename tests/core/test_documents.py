"""PDF documents (决定书, 告知书, 调查记录, 公示名单): Chinese text comes back out of the PDF, pages are not blank,
long Chinese text wraps inside the page, and administrators' templates override the defaults safely."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from minzheng.core.documents.models import DocumentTemplate
from minzheng.core.documents.render import DOCUMENT_KINDS, document_render, document_template_source
from minzheng.core.documents.templating import document_default_source
from minzheng.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

BASIS = "《社会救助暂行办法》（国务院令第649号）第九条、第十一条"
COMMON: dict[str, Any] = {
    "authority": "重庆市渝中区民政局",
    "document_number": "渝中民救〔2026〕第0123号",
    "issued_on": "2026年11月23日",
    "legal_basis": [BASIS, "《重庆市最低生活保障条件认定办法》第五条"],
    "region_name": "渝中区",
}
SENTENCE = "经入户调查核实申请人家庭共同生活成员三人其中申请人本人患有慢性病长期服药丧失部分劳动能力配偶从事临时性工作"
FINDINGS = (SENTENCE * 6)[:300]  # 300 characters without a single space
APPEAL = (
    "如对本决定不服，可以自收到本决定书之日起六十日内向重庆市渝中区人民政府申请行政复议，或者六个月内提起行政诉讼。"
)

CONTEXTS: dict[str, dict[str, Any]] = {
    "decision_approval": {
        **COMMON, "applicant_name": "张三丰", "household_number": "H500103001001-00001",
        "programme_title": "城市最低生活保障", "members_count": 3, "amount_yuan": "1,234.56",
        "start_month": "2026年12月", "decided_on": "2026年11月20日", "appeal_route": APPEAL,
    },
    "decision_refusal": {
        **COMMON, "applicant_name": "李四", "programme_title": "城市最低生活保障",
        "reasons": ["家庭月人均收入2,345.00元，高于本地城市低保标准", "家庭成员名下有非功能性补偿代步机动车一辆"],
        "decided_on": "2026年11月20日", "appeal_route": APPEAL,
    },
    "completeness_notice": {
        **COMMON, "applicant_name": "王五", "programme_title": "特困人员救助供养", "received_on": "2026年11月18日",
        "missing": [
            {"title": "户口簿复印件", "note": "全部家庭成员户口页，需与原件核对"},
            {"title": "家庭经济状况核对授权书", "note": "每位年满十六周岁的家庭成员本人签字并按手印"},
        ],
        "deadline_note": "请于2026年12月8日前补正上述材料；逾期未补正的，视为撤回申请。",
    },
    "investigation_record": {
        **COMMON, "applicant_name": "赵六", "household_number": "H500103001001-00002",
        "address": "重庆市渝中区七星岗街道金汤街社区测试路1号3单元5楼2号", "visited_on": "2026年11月10日",
        "investigators": ["陈一", "周二"], "method": "入户调查", "findings": FINDINGS,
        "members": [
            {"name": "赵六", "relation": "本人", "age": 56},
            {"name": "钱七", "relation": "配偶", "age": 54},
            {"name": "赵小八", "relation": "子女", "age": 14},
        ],
        "declared": [
            {"kind": "工资性收入（月）", "amount_yuan": "1,200.00"},
            {"kind": "存款", "amount_yuan": "3,500.00"},
        ],
    },
    "notice_list": {
        **COMMON, "period": "2026年11月23日至2026年11月30日", "contact": "渝中区民政局社会救助科（023-12345678）",
        "rows": [
            {"name_masked": "张*丰", "members": 3, "amount_yuan": "1,234.56", "programme_title": "城市最低生活保障"},
            {"name_masked": "李*", "members": 1, "amount_yuan": "980.00", "programme_title": "特困人员救助供养"},
        ],
    },
}  # fmt: skip
EXPECTED: dict[str, list[str]] = {
    "decision_approval": ["救助审批决定书", "张三丰", "1,234.56", "2026年12月", "行政复议"],
    "decision_refusal": ["不予救助决定书", "李四", "高于本地城市低保标准", "行政诉讼"],
    "completeness_notice": ["一次性告知书", "王五", "家庭经济状况核对授权书", "视为撤回申请"],
    "investigation_record": ["家庭经济状况调查记录", "赵六", "赵小八", "3,500.00", "陈一、周二"],
    "notice_list": ["渝中区公示名单", "张*丰", "1,234.56", "2026年11月23日至2026年11月30日", "023-12345678"],
}
FOOTER = re.compile(r"第\s*\d+\s*页，共\s*\d+\s*页")


def _texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[index].get_textpage().get_text_range() for index in range(len(document))]
    finally:
        document.close()


def _raster(pdf: bytes, page: int = 0) -> Image.Image:
    """The page in greyscale at 72 dpi: one pixel per PDF point (A4 is 595 x 842)."""
    document = pdfium.PdfDocument(pdf)
    try:
        return document[page].render(scale=1).to_pil().convert("L")
    finally:
        document.close()


def _dark_fraction(image: Image.Image) -> float:
    histogram = image.histogram()
    return sum(histogram[:128]) / (image.width * image.height)


def _flat(text: str) -> str:
    """Extracted text without line breaks, spaces or page footers: what was typeset, in order."""
    return re.sub(r"\s+", "", FOOTER.sub("", text))


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS))
def test_each_kind_renders_chinese_text_that_comes_back_out(kind: str) -> None:
    pdf = document_render(kind=kind, context=CONTEXTS[kind])
    assert pdf.startswith(b"%PDF")
    text = _flat("".join(_texts(pdf)))
    for expected in [*EXPECTED[kind], "重庆市渝中区民政局", "依据", BASIS]:
        assert _flat(expected) in text, expected


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS))
def test_first_page_is_not_blank(kind: str) -> None:
    image = _raster(document_render(kind=kind, context=CONTEXTS[kind]))
    assert _dark_fraction(image) > 0.005
    body = image.crop((70, 200, 525, 400))  # inside the margins, below the title: the opening text
    assert _dark_fraction(body) > 0.005
    assert body.getextrema()[0] < 60  # real ink, not grey noise


def test_font_is_embedded_as_a_subset_and_every_character_has_a_glyph(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="xhtml2pdf"):
        pdf = document_render(kind="decision_approval", context=CONTEXTS["decision_approval"])
    assert not [record for record in caplog.records if record.name.startswith("xhtml2pdf")]
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    embedded = [font.get_object() for font in fonts.values() if "/FontDescriptor" in font.get_object()]
    assert embedded
    for font in embedded:
        assert "+WenQuanYiMicroHei" in str(font["/BaseFont"])  # "ABCDEF+" marks a subset
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_a_long_paragraph_without_spaces_wraps_inside_the_page() -> None:
    pdf = document_render(kind="investigation_record", context=CONTEXTS["investigation_record"])
    pages = _texts(pdf)
    assert FINDINGS in _flat("".join(pages))  # every one of the 300 characters, in order
    lines = [line for line in pages[0].splitlines() if line.strip() and line.strip() in FINDINGS]
    assert len(lines) >= 7  # 300 characters at 12pt on a 16cm line: 37 a line at most
    assert max(len(line.strip()) for line in lines) <= 38
    image = _raster(pdf)
    right_margin = image.crop((image.width - 40, 0, image.width, image.height))
    left_margin = image.crop((0, 0, 40, image.height))
    assert right_margin.getextrema()[0] > 200  # nothing printed within 14mm of either edge
    assert left_margin.getextrema()[0] > 200


def test_long_text_in_a_table_cell_wraps_inside_the_cell() -> None:
    long_note = "须提供近六个月银行流水及工资发放证明并由用人单位加盖公章" * 3
    context = {**CONTEXTS["completeness_notice"], "missing": [{"title": "收入证明", "note": long_note}]}
    pdf = document_render(kind="completeness_notice", context=context)
    assert long_note in _flat(_texts(pdf)[0])
    assert _raster(pdf).crop((555, 0, 595, 842)).getextrema()[0] > 200


def test_a_300_row_notice_list_runs_over_several_pages_with_the_header_repeated() -> None:
    rows = [
        {"name_masked": f"张*{index}", "members": 1 + index % 4, "amount_yuan": f"{600 + index:,}.00",
         "programme_title": "特困人员救助供养（分散供养）" if index % 3 == 0 else "城市最低生活保障"}
        for index in range(300)
    ]  # fmt: skip
    pages = _texts(document_render(kind="notice_list", context={**CONTEXTS["notice_list"], "rows": rows}))
    assert len(pages) >= 5
    assert all("户主姓名" in page for page in pages[:-1])  # every page the table reaches starts with its header
    text = _flat("".join(pages))
    assert "张*0" in text
    assert "张*299" in text
    assert f"共{len(pages)}页" in _flat(pages[-1]) or f"共 {len(pages)} 页" in pages[-1]


def test_missing_optional_keys_are_tolerated() -> None:
    for kind in DOCUMENT_KINDS:
        text = _flat("".join(_texts(document_render(kind=kind, context={"authority": "某某民政局"}))))
        assert "某某民政局" in text
        assert str(DOCUMENT_KINDS[kind]) in text


def test_html_in_a_value_is_printed_as_text() -> None:
    context = {**CONTEXTS["decision_refusal"], "applicant_name": "<b>王五</b>&<i>x</i>"}
    text = _flat("".join(_texts(document_render(kind="decision_refusal", context=context))))
    assert "<b>王五</b>&<i>x</i>" in text


def test_an_administrators_template_replaces_the_default() -> None:
    assert document_template_source("decision_refusal") == document_default_source("decision_refusal")
    body = (
        '{% extends "documents/_base.html" %}{% block body %}'
        '<p style="font-family: SimSun">自定义正文：{{ applicant_name }}，理由{{ reasons|length }}条。</p>'
        "{% endblock %}"
    )
    template = DocumentTemplate(kind="decision_refusal", body=body, note="测试")
    template.full_clean()
    template.save()
    assert document_template_source("decision_refusal") == body
    pdf = document_render(kind="decision_refusal", context=CONTEXTS["decision_refusal"])
    text = _flat("".join(_texts(pdf)))
    assert "自定义正文：李四，理由2条。" in text
    assert "你家庭经济状况发生变化后" not in text  # the default body is gone
    assert _dark_fraction(_raster(pdf).crop((70, 200, 525, 300))) > 0.005  # SimSun is mapped to the embedded font
    assert document_template_source("decision_approval") == document_default_source("decision_approval")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{% if %}<p>x</p>", "模板语法错误"),
        ("<p>{{ applicant_name|no_such_filter }}</p>", "模板语法错误"),
        ("{% for x in rows %}<p>{{ x }}</p>", "模板语法错误"),
        ('{% extends "documents/no_such_base.html" %}', "模板引用的文件不存在"),
    ],
)
def test_a_template_that_does_not_compile_is_refused(body: str, message: str) -> None:
    with pytest.raises(ValidationError) as raised:
        DocumentTemplate(kind="notice_list", body=body).full_clean()
    assert message in " ".join(raised.value.message_dict["body"])


def test_the_admin_refuses_a_broken_template_with_a_chinese_error(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/core/documenttemplate/add/", {"kind": "notice_list", "body": "{% if %}", "note": ""}
    )
    assert response.status_code == 200
    assert "模板语法错误" in response.content.decode()
    assert not DocumentTemplate.objects.exists()
    add_page = admin_client.get("/admin/core/documenttemplate/add/?kind=notice_list")
    assert "公示期内" in add_page.content.decode()  # a new override starts from the shipped default


def test_unknown_kind_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as raised:
        document_render(kind="no_such_kind", context={})
    assert raised.value.code == "document.kind"
    with pytest.raises(InvalidInput):
        document_template_source("no_such_kind")


def test_the_document_stays_chinese_when_the_user_reads_english() -> None:
    with translation.override("en"):
        text = _flat("".join(_texts(document_render(kind="decision_refusal", context=CONTEXTS["decision_refusal"]))))
    assert "不予救助决定书" in text
