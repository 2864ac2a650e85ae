"""Placements (jobs) and the follow-up of completers: the only code that writes them.

Staff (center administrators for trainees of their centers, admins for everyone) record jobs,
end them, and verify or reject jobs a trainee reported; trainees report, update and end their own
jobs from the portal (``report_own_job`` / ``update_own_job`` / ``end_own_job``). A job found by a
center is verified at once; a self-reported one waits as ``pending`` until a center verifies it.

Job fields (keyword arguments, plain values or their text form as a form or JSON body gives them):

``employer_name`` (required), ``country_code`` (ISO alpha-2, required), ``sector_id``,
``occupation_code`` (ISCO-08), ``job_title`` (required), ``employment_type`` (one of
``EMPLOYMENT_TYPES``, required), ``remote`` (bool), ``start_date`` (required), ``end_date``,
``monthly_pay_azn`` (AZN, optional), ``employer_city``.

The package's modules: ``common`` (parsing, validation, employers, shared helpers), ``staff``,
``selfservice`` (the trainee's own jobs) and ``followup_records``. Every public name is importable
from ``talent.placement.services``. The employer's side (issue 20) is imported as modules:
``talent.placement.services.employer`` (an employer confirms or declines the jobs naming it; centers
invite employer users) and ``talent.placement.services.vacancies`` (posting and closing vacancies).
"""

from talent.placement.services.common import (JOB_FIELDS, REQUIRED, MILESTONES, MAX_PAY, EARLIEST_START,
                                              CHECK_MESSAGE, clean_text, clean_job_fields, existing_employer,
                                              find_or_create_employer, apply_job_values, placement_market,
                                              responsible_center, end_job)
from talent.placement.services.staff import (get_placement, get_owned_placement, record_placement,
                                             update_placement, end_placement, verify_placement, REASON_MAX,
                                             reject_placement, audit_personal_view)
from talent.placement.services.selfservice import (own_jobs, report_own_job, update_own_job,
                                                   withdraw_own_job, end_own_job)
from talent.placement.services.followup_records import (saved_followup, get_followup_enrollment,
                                                        record_followup)
from talent.clock import add_months

__all__ = ['add_months', 'JOB_FIELDS', 'REQUIRED', 'MILESTONES', 'MAX_PAY', 'EARLIEST_START',
           'CHECK_MESSAGE', 'clean_text', 'clean_job_fields', 'existing_employer', 'find_or_create_employer',
           'apply_job_values', 'placement_market', 'responsible_center', 'get_placement',
           'get_owned_placement', 'record_placement', 'update_placement', 'end_job', 'end_placement',
           'verify_placement', 'REASON_MAX', 'reject_placement', 'own_jobs', 'report_own_job',
           'update_own_job', 'withdraw_own_job', 'end_own_job', 'saved_followup', 'get_followup_enrollment',
           'record_followup', 'audit_personal_view']
