"""The rules ORCID checks in code, beyond the XSD, for works and employments written through the API.

Each rule follows ORCID-Source's v3 `ActivityValidator` and `ExternalIDValidator`
(orcid-core/src/main/java/org/orcid/core/manager/v3/validator/) and the enumerations of
orcid-model (`WorkType`, `Relationship`, `CitationType`, `LanguageCode`, `Iso3166Country`); the
error each raises is the one ORCID's exception mapper gives that exception.
"""

from __future__ import annotations

import calendar
import re

from lxml import etree

from orcid_simulator import paths
from orcid_simulator.errors import ApiError
from orcid_simulator.identifiers import IDENTIFIER_TYPES
from orcid_simulator.schema import NS

C = NS["common"]

# orcid-model WorkType (v3.0), plus the pre-2023 "dissertation" still listed by ORCID's answers.
WORK_TYPES = (
    "annotation", "artistic-performance", "blog-post", "book-chapter", "book-review", "book", "cartographic-material",
    "clinical-study", "conference-abstract", "conference-output", "conference-paper", "conference-poster",
    "conference-presentation", "conference-proceedings", "data-management-plan", "data-set", "design",
    "dictionary-entry", "disclosure", "dissertation-thesis", "edited-book", "encyclopedia-entry", "image", "invention",
    "journal-article", "journal-issue", "learning-object", "lecture-speech", "license", "magazine-article", "manual",
    "moving-image", "musical-composition", "newsletter-article", "newspaper-article", "online-resource", "other",
    "patent", "physical-object", "preprint", "public-speech", "registered-copyright", "report", "research-technique",
    "research-tool", "review", "software", "sound", "spin-off-company", "standards-and-policy",
    "supervised-student-publication", "technical-standard", "test", "trademark", "transcription", "translation",
    "website", "working-paper", "undefined",
)
ACCEPTED_WORK_TYPES = frozenset(WORK_TYPES) | {"dissertation"}
RELATIONSHIPS = ("part-of", "self", "version-of", "funded-by")
CITATION_TYPES = (
    "formatted-unspecified", "bibtex", "formatted-apa", "formatted-harvard", "formatted-ieee", "formatted-mla",
    "formatted-vancouver", "formatted-chicago", "ris",
)
# ExternalIdentifierFundedByHelper: the types allowed with relationship funded-by.
FUNDED_BY_TYPES = frozenset({"grant_number", "proposal-id", "raid"})
LANGUAGE_CODES = frozenset(
    "ab aa af ak sq am ar an hy as av ae ay az bm ba eu be bn bh bi bs br bg my ca ch ce zh_CN zh_TW cu cv kw co cr "
    "hr cs da dv nl dz en eo et ee fo fj fi fr fy ff gl lg ka de el kl gn gu ht ha iw hz hi ho hu is io ig in ia ie "
    "iu ik ga it ja jv kn kr ks kk km ki rw ky kv kg ko ku kj lo la lv li ln lt lu lb mk mg ms ml mt gv mi mr mh mo "
    "mn na nv ng ne nd se no nb nn ny oc oj or om os pi pa fa pl pt ps qu rm ro rn ru sm sg sa sc gd sr sn ii sd si "
    "sk sl so nr st es su sw ss sv tl ty tg ta tt te th bo ti to ts tn tr tk tw ug uk ur uz ve vi vo wa cy wo xh ji "
    "yo za zu".split()
)
COUNTRIES = frozenset(
    "AF AX AL DZ AS AD AO AI AQ AG AR AM AW AU AT AZ BS BH BD BB BY BE BZ BJ BM BT BO BQ BA BW BV BR IO BN BG BF BI "
    "KH CM CA CV KY CF TD CL CN CX CC CO KM CG CD CK CR CI HR CU CW CY CZ DK DJ DM DO EC EG SV GQ ER EE ET FK FO FJ "
    "FI FR GF PF TF GA GM GE DE GH GI GR GL GD GP GU GT GG GN GW GY HT HM VA HN HK HU IS IN ID IR IQ IE IM IL IT JM "
    "JP JE JO KZ KE KI KP KR KW KG LA LV LB LS LR LY LI LT LU MO MK MG MW MY MV ML MT MH MQ MR MU YT MX FM MD MC MN "
    "ME MS MA MZ MM NA NR NP NL NC NZ NI NE NG NU NF MP NO OM PK PW PS PA PG PY PE PH PN PL PT PR QA RE RO RU RW BL "
    "SH KN LC MF PM VC WS SM ST SA SN RS SC SL SG SX SK SI SB SO ZA GS SS ES LK SD SR SJ SZ SE CH SY TJ TZ TH TL TG "
    "TK TO TT TN TR TM TC TV UG UA AE GB US UM UY UZ VU VE VN VG VI WF EH YE ZM ZW TW XK".split()
)
# ORCID-Source's LegacyWorkContributorRole and CreditRole (CRediT URIs, or their labels).
LEGACY_WORK_ROLES = (
    "author", "assignee", "editor", "chair-or-translator", "co-investigator", "co-inventor", "graduate-student",
    "other-inventor", "principal-investigator", "postdoctoral-researcher", "support-staff",
)
CREDIT_ROLES = {
    f"http://credit.niso.org/contributor-roles/{slug}/": label
    for slug, label in [
        ("conceptualization", "conceptualization"), ("data-curation", "data curation"),
        ("formal-analysis", "formal analysis"), ("funding-acquisition", "funding acquisition"),
        ("investigation", "investigation"), ("methodology", "methodology"),
        ("project-administration", "project administration"), ("resources", "resources"),
        ("software", "software"), ("supervision", "supervision"), ("validation", "validation"),
        ("visualization", "visualization"), ("writing-original-draft", "writing - original draft"),
        ("writing-review-editing", "writing - review & editing"),
    ]
}
# ContributorRoleConverterImpl.toDBRole: a legacy role by its exact value or enum name, or a
# CRediT role by its URI (CreditRole.fromValue compares the URI ignoring case). The CRediT labels
# ("data curation") are the UI's values and are refused through the API.
_LEGACY_ROLE_VALUES = frozenset(LEGACY_WORK_ROLES) | {v.upper().replace("-", "_") for v in LEGACY_WORK_ROLES}
_CREDIT_URIS = frozenset(uri.lower() for uri in CREDIT_ROLES)


def contributor_role_known(role: str) -> bool:
    return role in _LEGACY_ROLE_VALUES or role.lower() in _CREDIT_URIS
# https://members.orcid.org: a title holds at most 1000 characters (common:string-1000 in the XSD too).
TITLE_MAX = 1000
_ORCID_PATH = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
_ORCID_URI = re.compile(r"^https?://([a-z]+\.)?orcid\.org/\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def _text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = paths.find(element, path)
    if found is None:
        return None
    return found.text if found.text is not None else ""


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _type_error(type_name: str, values: str) -> ApiError:
    return ApiError(9037, params={"type": type_name, "values": values})


def check_fuzzy_date(date: etree._Element | None) -> None:
    """ActivityValidator.validateFuzzyDate: the date must exist (yyyy, yyyy-MM, yyyy-MM-dd)."""
    if date is None:
        return
    fields = _children(date)
    year, month, day = (_text_of(_first(fields, tag)) for tag in _DATE_PARTS)
    if day is not None:
        date_string = f"{year}-{month}-{day}"
    elif month is not None:
        date_string = f"{year}-{month}"
    else:
        date_string = year
    valid = False
    try:
        y = int(year) if year is not None else None
        m = int(month) if month is not None else None
        d = int(day) if day is not None else None
        if y is not None and (m is None or 1 <= m <= 12) and (d is None or (m is not None and 1 <= d <= calendar.monthrange(y, m)[1])):
            valid = True
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ApiError(9049, params={"dateString": str(date_string)})


_DATE_PARTS = tuple(f"{{{C}}}{part}" for part in ("year", "month", "day"))


def _date_key(date: etree._Element) -> tuple[int, int, int]:
    parts = [_text(date, f"common:{p}") for p in ("year", "month", "day")]
    return tuple(int(p) if p and p.strip().isdigit() else 0 for p in parts)  # type: ignore[return-value]


def check_external_ids(ids: list[etree._Element], *, require_self: bool) -> None:
    """ExternalIDValidator.validateWork / validateFunding: known types, a value, a relationship,
    and for works at least one `self` identifier."""
    _check_id_texts([(_text(ext, "common:external-id-type"), _text(ext, "common:external-id-value"),
                      _text(ext, "common:external-id-relationship")) for ext in ids], require_self=require_self)


def _check_id_texts(ids: list[tuple[str | None, str | None, str | None]], *, require_self: bool) -> None:
    """check_external_ids for each id's type, value and relationship (None: no such element)."""
    errors: list[str] = []
    has_self = False
    for id_type, value, relationship in ids:
        if id_type is None or id_type not in IDENTIFIER_TYPES:
            errors.append(str(id_type))
        if _blank(value):
            errors.append("value")
        if relationship is None:
            errors.append("relationship")
        elif relationship not in RELATIONSHIPS:
            # JAXB cannot map the value onto the Relationship enum: IllegalEnumValueException.
            raise ApiError(9001, detail=f"invalid value '{relationship}' for enum 'Relationship'")
        if relationship == "self":
            has_self = True
    if require_self and not has_self:
        errors.append("At least one identifier with 'self' relationship is required")
    if errors:
        raise ApiError(9023, detail="Invalid external-id " + "".join(" " + e for e in errors))


# check_work reads each element's children once (a dict by tag) instead of a path per value.
_W_TITLE, _W_TYPE, _W_CITATION, _W_CITATION_TYPE, _W_CITATION_VALUE = (
    f"{{{NS['work']}}}{n}" for n in ("title", "type", "citation", "citation-type", "citation-value"))
_W_CONTRIBUTORS, _W_CONTRIBUTOR, _W_CREDIT_NAME, _W_ATTRIBUTES, _W_ROLE = (
    f"{{{NS['work']}}}{n}" for n in ("contributors", "contributor", "credit-name", "contributor-attributes",
                                     "contributor-role"))
_C_TITLE, _C_TRANSLATED_TITLE, _C_COUNTRY, _C_LANGUAGE_CODE, _C_PUBLICATION_DATE = (
    f"{{{C}}}{n}" for n in ("title", "translated-title", "country", "language-code", "publication-date"))
_C_EXTERNAL_IDS, _C_EXTERNAL_ID, _C_ID_TYPE, _C_ID_VALUE, _C_ID_RELATIONSHIP = (
    f"{{{C}}}{n}" for n in ("external-ids", "external-id", "external-id-type", "external-id-value",
                            "external-id-relationship"))
_C_CONTRIBUTOR_ORCID, _C_URI, _C_PATH = (f"{{{C}}}{n}" for n in ("contributor-orcid", "uri", "path"))
_NONE: tuple = ()


def _children(element: etree._Element) -> dict:
    """The element's children by tag, each tag's in document order."""
    by_tag: dict = {}
    for child in element:
        found = by_tag.get(child.tag)
        if found is None:
            by_tag[child.tag] = [child]
        else:
            found.append(child)
    return by_tag


def _first_in(parents, tag: str) -> etree._Element | None:
    """paths.find(element, "a/b") for the `a` children `parents`: the first `b` of the first `a` that has one."""
    for parent in parents or _NONE:
        for child in parent.iterchildren(tag):
            return child
    return None


def _text_of(found: etree._Element | None) -> str | None:
    """_text's answer for the element it found (None: not there; "" for no text)."""
    if found is None:
        return None
    text = found.text
    return text if text is not None else ""


def check_work(work: etree._Element, *, create: bool, original_visibility: str | None) -> None:
    """ActivityValidator.validateWork for an API request, in ORCID's order."""
    top = _children(work)
    titles = top.get(_W_TITLE)
    title = _text_of(_first_in(titles, _C_TITLE))
    if _blank(title):
        raise ApiError(9022)
    if len(title) > TITLE_MAX:
        raise ApiError(9001, detail=f"title is longer than {TITLE_MAX} characters")
    country = _text_of(_first(top, _C_COUNTRY))
    if country is not None and country not in COUNTRIES:
        raise _type_error("country", ", ".join(sorted(COUNTRIES)))
    translated = _first_in(titles, _C_TRANSLATED_TITLE)
    if translated is not None:
        language = translated.get("language-code")
        if _blank(translated.text) and not _blank(language):
            raise ApiError(9020, detail="Please specify a translated title or remove the language code")
        if not _blank(translated.text) and (_blank(language) or language not in LANGUAGE_CODES):
            raise _type_error("translated title -> language code", ", ".join(sorted(LANGUAGE_CODES)))
    work_type = _text_of(_first(top, _W_TYPE))
    if work_type not in ACCEPTED_WORK_TYPES:
        raise _type_error("work type", ", ".join(WORK_TYPES))
    language = _text_of(_first(top, _C_LANGUAGE_CODE))
    if not _blank(language) and language not in LANGUAGE_CODES:
        raise _type_error("language code", ", ".join(sorted(LANGUAGE_CODES)))
    check_fuzzy_date(_first(top, _C_PUBLICATION_DATE))
    citation = _first(top, _W_CITATION)
    if citation is not None:
        if _text_of(_first_in((citation,), _W_CITATION_TYPE)) not in CITATION_TYPES:
            raise _type_error("citation type", ", ".join(CITATION_TYPES))
        if _blank(_text_of(_first_in((citation,), _W_CITATION_VALUE))):
            raise ApiError(9020, detail="Please specify a citation or remove the parent tag")
    ids = []
    for holder in top.get(_C_EXTERNAL_IDS, _NONE):
        for ext in holder.iterchildren(_C_EXTERNAL_ID):
            fields = _children(ext)
            ids.append((_text_of(_first(fields, _C_ID_TYPE)), _text_of(_first(fields, _C_ID_VALUE)),
                        _text_of(_first(fields, _C_ID_RELATIONSHIP))))
    if not ids:
        raise ApiError(9023)
    for id_type, _, relationship in ids:
        if relationship == "funded-by" and id_type not in FUNDED_BY_TYPES:
            raise ApiError(9020, detail=f"External ID {id_type} not supported for relationship funded_by")
    for holder in top.get(_W_CONTRIBUTORS, _NONE):
        for contributor in holder.iterchildren(_W_CONTRIBUTOR):
            _check_contributor(_children(contributor))
    if work.get("put-code") is not None and create:
        raise ApiError(9024)
    if not create:
        check_visibility_unchanged(work, original_visibility)
    _check_id_texts(ids, require_self=True)


def _first(by_tag: dict, tag: str) -> etree._Element | None:
    found = by_tag.get(tag)
    return found[0] if found else None


def _check_contributor(fields: dict) -> None:
    orcids = fields.get(_C_CONTRIBUTOR_ORCID)
    uri = _text_of(_first_in(orcids, _C_URI))
    if not _blank(uri) and not _ORCID_URI.match(uri.strip()):
        raise ApiError(9020, detail="Invalid contributor URI")
    path = _text_of(_first_in(orcids, _C_PATH))
    if not _blank(path) and not _ORCID_PATH.match(path.strip()):
        raise ApiError(9020, detail="Invalid contributor ORCID")
    credit = _first(fields, _W_CREDIT_NAME)
    if credit is not None and _blank(credit.text):
        raise ApiError(9020, detail="Please specify a contributor credit name or remove the empty tag")
    role = _text_of(_first_in(fields.get(_W_ATTRIBUTES), _W_ROLE))
    if role is not None and not contributor_role_known(role):
        # WorkContributorsConverter: InvalidContributorRoleException (9058), listing Java's List.toString().
        valid = "[" + ", ".join(list(LEGACY_WORK_ROLES) + list(CREDIT_ROLES)) + "]"
        raise ApiError(9058, params={"role": role, "validRoles": valid})


def check_visibility_unchanged(element: etree._Element, original_visibility: str | None) -> None:
    """validateVisibilityDoesntChange: a PUT may omit the visibility or repeat it, never change it."""
    updated = element.get("visibility")
    if updated is not None and updated != original_visibility:
        raise ApiError(9035)
