"""report summary: one center's cohort day rows as an index range (issue 17, the center drill-down at 1M)

``report_cohort_days (center_id, day)``: a center's per-course and per-skill day figures now filter the
day rows by the center kept on them as well as by their cohort's (equal, ``check-summary`` proves it),
and PostgreSQL reads that center's days of the period through this index instead of the whole period's
rows hashed against the center's cohorts (126 -> 32 ms per breakdown at 1M; revision 0034 tried the
index with the filter on the cohorts alone, which the planner did not use).

Revision ID: 0036_center_day_index
Revises: 0035_followups_open
Create Date: 2026-12-07 06:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0036_center_day_index'
down_revision = '0035_followups_open'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_cohort_days', schema=None) as batch_op:
        batch_op.create_index('ix_report_cohort_days_center_id_day', ['center_id', 'day'], unique=False)


def downgrade():
    with op.batch_alter_table('report_cohort_days', schema=None) as batch_op:
        batch_op.drop_index('ix_report_cohort_days_center_id_day')
