"""Staff editing of curated country information, through ``writing.save_profile``.

A section's content (its text in the country's original language, its sources and review
date) is changed only by platform administrators and the country's editors (staff named by
them, per country), and only as a whole section, so a new text never keeps an old review
date. Translators (role ``translator`` or ``admin`` in any organisation) and the editors
write the other languages, one at a time. Each write needs ``If-Match`` with the section's
ETag, and is audited (entity ``country_section``, id ``<code>:<kind>``) in the request's
transaction.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.access.principal import Principal
from app.access.roles import Role
from app.audit import service as audit
from app.countries import repository, writing
from app.countries.models import CountryProfile, CountrySection, SectionKind
from app.countries.schemas import (
    CountryProfileInput,
    CountrySourceInput,
    EmergencyNumberInput,
    SectionInput,
)
from app.countries.staff_schemas import (
    SectionEdit,
    SectionTranslationInput,
    StaffCountryRead,
    StaffSectionRead,
    StaffSourceRead,
    StaffTextRead,
)
from app.db import utcnow
from app.errors import (
    FieldError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationProblem,
)
from app.i18n.tags import InvalidLanguageTag, normalise_tag

__all__ = ["get_country", "put_section", "put_section_translation", "section_etag"]

ENTITY = "country_section"


def section_etag(section: CountrySection) -> str:
    return f'"{section.country_code}.{section.kind}.{section.version}"'


def _may_read(principal: Principal) -> None:
    if not (principal.has_any(Role.translator) or principal.countries):
        raise Forbidden("editing country information needs the translator or admin role")


def _may_translate(principal: Principal, code: str) -> None:
    if not (principal.has_any(Role.translator) or principal.edits_country(code)):
        raise Forbidden("editing country information needs the translator or admin role")


def _may_edit_content(principal: Principal, code: str) -> None:
    if not principal.edits_country(code):
        raise Forbidden(
            f"only platform administrators and editors of {code} change a section's content, "
            "sources and review date"
        )


def _profile(session: Session, code: str) -> CountryProfile:
    profile = repository.get_profile(session, code)
    if profile is None:
        raise NotFound(f"no curated information about {code!r}")
    return profile


def _section(profile: CountryProfile, kind: SectionKind) -> CountrySection | None:
    return next((s for s in profile.sections if s.kind == kind.value), None)


def _check_if_match(section: CountrySection, if_match: str | None) -> None:
    current = section_etag(section)
    extra: dict[str, Any] = {"current_etag": current, "current_version": section.version}
    tags = {t.strip() for t in (if_match or "").split(",") if t.strip()}
    if not tags or "*" in tags:
        raise PreconditionRequired("send If-Match with the section's ETag", **extra)
    if current not in tags:
        raise PreconditionFailed("the section changed since you read it", **extra)


def _section_input(section: CountrySection) -> SectionInput:
    return SectionInput(
        kind=SectionKind(section.kind),
        last_reviewed=section.last_reviewed,
        sample=section.is_sample,
        note=section.note,
        sources=[
            CountrySourceInput(title=s.title, url=s.url, publisher=s.publisher)
            for s in section.sources
        ],
        text={t.lang: t.body for t in section.translations},
        title={t.lang: t.title for t in section.translations},
        notes={t.lang: t.note for t in section.translations if t.note},
    )


def _profile_input(profile: CountryProfile, replaced: SectionInput) -> CountryProfileInput:
    """The stored profile as input, with one section replaced (the write path takes wholes)."""
    sections = [
        replaced if s.kind == replaced.kind.value else _section_input(s) for s in profile.sections
    ]
    if all(s.kind != replaced.kind.value for s in profile.sections):
        sections.append(replaced)
    return CountryProfileInput(
        code=profile.code,
        original_language=profile.original_language,
        emergency_numbers=[
            EmergencyNumberInput(
                service=n.service, number=n.number, name=n.name, sample=n.is_sample, note=n.note
            )
            for n in profile.emergency_numbers
        ],
        sections=sections,
    )


def _snapshot(section: CountrySection | None) -> dict[str, Any]:
    if section is None:
        return {}
    data: dict[str, Any] = {
        "last_reviewed": section.last_reviewed,
        "sample": section.is_sample,
        "note": section.note,
        "sources": [[s.title, s.url, s.publisher] for s in section.sources],
    }
    for t in section.translations:
        data[f"translations.{t.lang}.title"] = t.title
        if t.note:
            data[f"translations.{t.lang}.note"] = t.note
        data[f"translations.{t.lang}.body"] = t.body
    return data


def _save(
    session: Session,
    principal: Principal,
    profile: CountryProfile,
    data: SectionInput,
    action: str,
) -> None:
    before = _snapshot(_section(profile, data.kind))
    writing.save_profile(session, _profile_input(profile, data))
    section = _section(profile, data.kind)
    assert section is not None
    # A change to translations only leaves the section row untouched: stamp it, so its
    # version (and ETag) moves with every edit.
    section.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=principal,
        organization_id=None,
        entity_type=ENTITY,
        entity_id=f"{profile.code}:{data.kind.value}",
        action=action,
        changes=audit.diff(before, _snapshot(section)),
    )


def _view(profile: CountryProfile) -> StaffCountryRead:
    return StaffCountryRead(
        code=profile.code,
        original_language=profile.original_language,
        sections=[
            StaffSectionRead(
                kind=s.kind,
                version=s.version,
                etag=section_etag(s),
                last_reviewed=s.last_reviewed,
                sample=s.is_sample,
                note=s.note,
                sources=[
                    StaffSourceRead(title=x.title, url=x.url, publisher=x.publisher)
                    for x in s.sources
                ],
                translations={
                    t.lang: StaffTextRead(title=t.title, body=t.body, note=t.note)
                    for t in sorted(s.translations, key=lambda t: t.lang)
                },
            )
            for s in profile.sections
        ],
    )


def get_country(session: Session, principal: Principal, code: str) -> StaffCountryRead:
    """Every section of a curated country with its versions and all translations."""
    _may_read(principal)
    return _view(_profile(session, code))


def put_section_translation(
    session: Session,
    principal: Principal,
    code: str,
    kind: SectionKind,
    lang: str,
    data: SectionTranslationInput,
    *,
    if_match: str | None,
) -> StaffCountryRead:
    """Create or replace one language other than the original of a section (translators,
    the country's editors, administrators)."""
    _may_translate(principal, code)
    try:
        tag = normalise_tag(lang)
    except InvalidLanguageTag as exc:
        raise ValidationProblem.for_field("path", "lang", str(exc)) from None
    profile = _profile(session, code)
    if tag == normalise_tag(profile.original_language):
        _may_edit_content(principal, code)
        raise ValidationProblem.for_field(
            "path",
            "lang",
            f"{tag!r} is the original language of {code}'s content: replace the whole section "
            f"(PUT /v1/countries/{code}/sections/{kind.value}) with its sources and review date",
        )
    section = _section(profile, kind)
    if section is None:
        raise NotFound(f"{code!r} has no {kind.value!r} section")
    _check_if_match(section, if_match)
    current = _section_input(section)
    text = {**current.text, tag: data.body}
    title = {**current.title}
    if data.title:
        title[tag] = data.title
    else:
        title.pop(tag, None)
    notes = {**current.notes}
    if data.note:
        notes[tag] = data.note
    else:
        notes.pop(tag, None)
    _save(
        session,
        principal,
        profile,
        current.model_copy(update={"text": text, "title": title, "notes": notes}),
        "translation.put",
    )
    return _view(profile)


def put_section(
    session: Session,
    principal: Principal,
    code: str,
    kind: SectionKind,
    data: SectionEdit,
    *,
    if_match: str | None,
) -> StaffCountryRead:
    """Replace a section's content, sources and texts (administrators); If-Match when it
    exists already."""
    _may_edit_content(principal, code)
    profile = _profile(session, code)
    section = _section(profile, kind)
    if section is not None:
        _check_if_match(section, if_match)
    try:
        replaced = SectionInput(kind=kind, **data.model_dump())
    except ValidationError as exc:
        errors = FieldError.from_pydantic(exc.errors(), location="body", translate=False)
        raise ValidationProblem("; ".join(e.detail for e in errors), errors=errors) from None
    _save(session, principal, profile, replaced, "update" if section else "create")
    return _view(profile)
