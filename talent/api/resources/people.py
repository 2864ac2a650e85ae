"""Trainees (search, detail, create, update — scoped as on the web; every staff view audited by
the service) and the spreadsheet import (dry run or commit, the same row report as the web)."""
from __future__ import annotations

from typing import Any

from flask import g, request

from talent.api.auth import token_rate_key
from talent.api.core import MAX_LIMIT, api_actor, operation, page_schema
from talent.api.problems import problem
from talent.api.resources.cohorts import EnrollmentOut, enrollment_json
from talent.api.schema import F, Schema
from talent.api.blueprint import bp
from talent.extensions import db, limiter
from talent.imports import services as imports
from talent.readmodels import trainees as trainee_list
from talent.people import services as people
from talent.learning.models import ENROLLMENT_STATUSES
from talent.people.models import EDUCATION_LEVELS, Trainee

TraineeOut = Schema("Trainee", {
    "id": F.integer(required=True),
    "fin": F.string(required=True),
    "first_name": F.string(required=True),
    "last_name": F.string(required=True),
    "patronymic": F.string(required=True, nullable=True),
    "birth_date": F.date(required=True),
    "gender": F.enum_of(("F", "M"), required=True),
    "email": F.string(required=True, nullable=True),
    "phone": F.string(required=True, nullable=True),
    "home_region": F.string(required=True, description="Region code."),
    "education_level": F.enum_of(EDUCATION_LEVELS, required=True, nullable=True),
    "registered_by_center_id": F.integer(required=True, nullable=True,
                                         description="The registering center when it is one of the token's centers "
                                                     "(any center for an administrator; the trainee's own record); "
                                                     "null otherwise: a center that enrolled the person does not "
                                                     "learn which other center registered them."),
    "consent_at": F.datetime(required=True),
    "created_at": F.datetime(required=True),
    "updated_at": F.datetime(required=True),
})
_TEXT = F.string(max_length=254)
TraineeIn = Schema("TraineeIn", {
    "fin": F.string(required=True, min_length=1, max_length=20,
                    description="7 digits or capital Latin letters (trimmed, upper-cased)."),
    "first_name": F.string(required=True, min_length=1, max_length=100),
    "last_name": F.string(required=True, min_length=1, max_length=100),
    "patronymic": F.string(nullable=True, max_length=100),
    "birth_date": F.date(required=True),
    "gender": F.string(required=True, min_length=1, max_length=10,
                       description="F or M (also female/male, qadın/kişi)."),
    "email": _TEXT.but(nullable=True),
    "phone": F.string(nullable=True, max_length=40, description="Any common Azerbaijani form."),
    "home_region": F.string(required=True, min_length=1, max_length=120,
                            description="Region code, or its Azerbaijani or English name."),
    "education_level": F.enum_of(EDUCATION_LEVELS, nullable=True),
    "center_id": F.integer(minimum=1, maximum=2**31 - 1,
                           description="The registering center (a center administrator's own; "
                                       "optional when they have one)."),
})
TraineeUpdate = Schema("TraineeUpdate", {k: v.but(required=False) for k, v in TraineeIn.fields.items()
                                         if k != "center_id"})
SearchIn = Schema("TraineeSearch", {
    "q": F.string(required=True, min_length=1, max_length=200, description="A FIN (exact) or words of the name."),
    "page": F.integer(minimum=1, maximum=1_000_000, default=1),
    "limit": F.integer(minimum=1, maximum=MAX_LIMIT, default=25),
}, description="A search is a POST so that a FIN never appears in a URL.")
TraineePage = page_schema(TraineeOut)


def trainee_json(t: Trainee) -> dict[str, Any]:
    return {"id": t.id, "fin": t.fin, "first_name": t.first_name, "last_name": t.last_name,
            "patronymic": t.patronymic, "birth_date": t.birth_date, "gender": t.gender, "email": t.email,
            "phone": t.phone, "home_region": t.home_region.code, "education_level": t.education_level,
            "registered_by_center_id": people.registering_center_seen_by(api_actor(), t), "consent_at": t.consent_at,
            "created_at": t.created_at, "updated_at": t.updated_at}


def _raw(body: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if k == "birth_date" and v is not None else v) for k, v in body.items()}


@operation(bp, "/trainees/search", "POST", summary="Search trainees by FIN or name", tags=["Trainees"],
           body=SearchIn, response=TraineePage,
           description="Among the trainees the token may see (a center administrator: enrolled at or "
                       "registered by their centers). Audited.")
def search_trainees(body):
    result = people.search_trainees(api_actor(), body["q"], page=body["page"], per_page=body["limit"])
    total = result.total or 0
    return {"items": [trainee_json(t) for t in result.items], "page": body["page"], "limit": body["limit"],
            "total": total, "next_page": body["page"] + 1 if body["page"] * body["limit"] < total else None}


ListQuery = Schema("TraineeListQuery", {
    "cohort_id": F.integer(minimum=1, maximum=2**31 - 1, description="Only trainees enrolled in this cohort."),
    "status": F.enum_of(ENROLLMENT_STATUSES, description="Only trainees with an enrollment in this status."),
    "region_id": F.integer(minimum=1, maximum=2**31 - 1, description="Only trainees from this home region."),
}, register=False)
LIST_COUNT_CAP = 5000


@operation(bp, "/trainees", summary="List the trainees of the token's centers, by name", tags=["Trainees"],
           query=ListQuery, response=TraineeOut, paginated=True,
           description="A center administrator's list: trainees enrolled at or registered by their centers "
                       "(an administrator: everyone), sorted by name; `total` stops counting at 5,000. "
                       "To find someone by FIN or name, use POST /trainees/search (no FIN in a URL). Audited.")
def list_trainees(query):
    page, limit = query["page"], query["limit"]
    result = trainee_list.list_trainees(api_actor(), cohort_id=query.get("cohort_id"), status=query.get("status"),
                                  region_id=query.get("region_id"), page=page, per_page=limit,
                                  count_cap=LIST_COUNT_CAP)
    more = result.more or page * limit < result.total
    return {"items": [trainee_json(t) for t in result.items], "page": page, "limit": limit,
            "total": result.total, "next_page": page + 1 if more else None}


@operation(bp, "/trainees/{trainee_id}", summary="One trainee (audited)", tags=["Trainees"], response=TraineeOut)
def get_trainee(trainee_id: int):
    return trainee_json(people.get_trainee(api_actor(), trainee_id))


@operation(bp, "/trainees/{trainee_id}/enrollments", summary="A trainee's enrollments", tags=["Trainees"],
           response=EnrollmentOut, response_list=True,
           description="A center administrator gets the enrollments at their centers only.")
def trainee_enrollments(trainee_id: int):
    actor = api_actor()
    trainee = people.get_trainee(actor, trainee_id)
    return [enrollment_json(e) for e in trainee_list.trainee_enrollments(trainee.id, actor)]


# "This FIN is already registered" tells that a FIN exists: how often a token, and an address, gets
# that answer is limited (people.services.KnownFin; the web pages count the same way). One budget (a
# shared scope) for registering, editing and importing (the rows of a file that tell it, at once).
def _fin_token_key() -> str:
    return "fin-known:" + token_rate_key()


def _fin_address_key() -> str:
    return f"fin-known:ip:{request.remote_addr or 'unknown'}"


def _told_fin_known(_response) -> bool:
    return bool(g.get("fin_known"))


def _spend_fin_answers(count: int) -> bool:
    return people.spend_fin_lookups([_fin_token_key(), _fin_address_key()], count)


def _limit_fin_answers(view):
    for key in (_fin_token_key, _fin_address_key):
        view = limiter.shared_limit(people.fin_lookup_limit, scope=people.FIN_LOOKUP_SCOPE, key_func=key,
                                    deduct_when=_told_fin_known, error_message=people.fin_lookups_limited_message)(view)
    return view


def _telling_known_fin(write):
    """Run ``write``; a KnownFin answer keeps its audit (committed before the 409) and is counted."""
    try:
        return write()
    except people.KnownFin:
        db.session.commit()
        g.fin_known = True
        raise


KNOWN_FIN_LIMIT = (" Each 409 that tells a FIN is registered counts towards `FIN_LOOKUP_RATE_LIMIT` per token and "
                   "per address (default 20 per hour, 60 per day); past it the answer is 429 until the window "
                   "passes. Each such answer is audited (`trainee.fin_known`).")


@operation(bp, "/trainees", "POST", summary="Register a trainee", tags=["Trainees"], body=TraineeIn,
           response=TraineeOut, status=201, idempotent=True, errors=[409],
           description="A FIN already registered is a 409 `duplicate`: when the birth date and name are the "
                       "recorded ones, enroll that person with FIN and birth_date instead; otherwise the FIN "
                       "belongs to another person (nothing about them is told)." + KNOWN_FIN_LIMIT)
@_limit_fin_answers
def create_trainee(body):
    center_id = body.pop("center_id", None)
    return trainee_json(_telling_known_fin(lambda: people.create_trainee(api_actor(), _raw(body), center_id=center_id)))


@operation(bp, "/trainees/{trainee_id}", "PATCH", summary="Change a trainee's record", tags=["Trainees"],
           body=TraineeUpdate, response=TraineeOut, errors=[409],
           description="A FIN already registered is a 409 `duplicate`." + KNOWN_FIN_LIMIT)
@_limit_fin_answers
def update_trainee(trainee_id: int, body):
    return trainee_json(_telling_known_fin(lambda: people.update_trainee(api_actor(), trainee_id, _raw(body))))


# ---- import --------------------------------------------------------------------------------

ImportRow = Schema("ImportRow", {
    "row": F.integer(required=True), "fin": F.string(required=True),
    "trainee": F.enum_of(("new", "existing"), required=True),
    "enrollment": F.enum_of(("enrolled", "waitlisted", "already"), required=True, nullable=True),
})
ImportProblem = Schema("ImportProblem", {
    "row": F.integer(required=True, nullable=True, description="Spreadsheet row (1 = header); null: the file."),
    "column": F.string(required=True, nullable=True),
    "message": F.string(required=True),
})
ImportReport = Schema("ImportReport", {
    "committed": F.boolean(required=True),
    "ok": F.boolean(required=True, description="No row has a problem."),
    "preview_id": F.string(required=True, nullable=True,
                           description="A dry run's checked rows, kept for an hour: commit them with "
                                       "POST /imports/previews/{preview_id}/commit (the file is not sent or "
                                       "read again)."),
    "counts": F.object(Schema("ImportCounts", {
        name: F.integer(required=True, minimum=0)
        for name in ("rows", "valid", "rows_with_problems", "new", "existing", "enrolled", "waitlisted", "already")
    }), required=True),
    "free_seats": F.integer(required=True, nullable=True),
    "problems": F.array(ImportProblem, required=True),
    "warnings": F.array(F.string(), required=True),
    "rows": F.array(ImportRow, required=True),
})
UPLOAD_FIELDS = {
    "center_id": F.integer(required=True, minimum=1, maximum=2**31 - 1),
    "cohort_id": F.integer(minimum=1, maximum=2**31 - 1, description="Also enroll every row into this cohort."),
    "dry_run": F.boolean(default=False, description="Check and report only; no trainee is written. The checked "
                                                     "rows are kept (`preview_id`) for a commit."),
    "waitlist": F.boolean(default=True, description="Rows beyond the free seats go on the waiting list "
                                                     "(false: they are problems)."),
}


@operation(bp, "/imports/trainees", "POST", summary="Import trainees from a CSV or XLSX file",
           tags=["Imports"], upload=UPLOAD_FIELDS, response=ImportReport, idempotent=True,
           description="multipart/form-data with `file`. A dry run answers the row report. A commit writes "
                       "everything or, when any row has a problem, nothing: then 422 with the same report "
                       "(`report`) and every bad row in `errors` (`field`: `row N: column`). Each row answered "
                       "\"this FIN belongs to another person\" about someone the token's centers do not reach "
                       "tells that a FIN is registered: such rows count towards `FIN_LOOKUP_RATE_LIMIT` (per token "
                       "and per address, the budget of registering and editing trainees) and are audited "
                       "(`trainee.fin_known`); a file with more of them than the budget has left is refused "
                       "with 429 `fin_lookups_limited` and nothing is checked or kept.")
def import_trainees(upload):
    actor = api_actor()
    f = upload.fields
    if f["dry_run"]:
        report = imports.preview_import(actor, upload.data, center_id=f["center_id"],
                                        cohort_id=f.get("cohort_id"), waitlist=f["waitlist"], keep=True,
                                        filename=upload.filename, fin_budget=_spend_fin_answers)
        return report.as_dict()
    report = imports.commit_import(actor, upload.data, center_id=f["center_id"], cohort_id=f.get("cohort_id"),
                                   waitlist=f["waitlist"], filename=upload.filename, fin_budget=_spend_fin_answers)
    return _committed(report)


def _committed(report) -> Any:
    if not report.ok:
        data = report.as_dict()
        errors = [{"field": (f"row {p['row']}" if p["row"] is not None else "file")
                   + (f": {p['column']}" if p["column"] else ""), "message": p["message"]}
                  for p in data["problems"]]
        return problem(422, None, "The file has problems; nothing was imported.", code="import_invalid",
                       errors=errors, report=data)
    return report.as_dict()


@operation(bp, "/imports/previews/{preview_id}/commit", "POST", summary="Import the rows of a dry run",
           tags=["Imports"], response=ImportReport, path_params={"preview_id": "string"}, errors=(404, 409, 422),
           description="Writes the rows a dry run (`dry_run=true`) checked and kept, without the file: only "
                       "what may have changed since is checked again (known FINs, the cohort's free seats). "
                       "Only the token's user may commit their dry run, within an hour, once (a second "
                       "commit is 409). With any problem nothing is written: 422 with the report, as for an "
                       "upload; the dry run can then be committed again once the cause is gone.")
def commit_import_preview(preview_id: str):
    actor = api_actor()
    return _committed(imports.commit_preview(actor, preview_id))
