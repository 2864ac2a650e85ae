"""report summary: the cohort's center and dates kept on its total rows (issue 17, ministry pages at 1M)

``report_cohort_totals`` and ``report_group_totals`` keep their cohort's ``center_id``, ``start_date``
and ``end_date``, so the totals of a period (the cohorts overlapping it, those that ended in it) are
summed without joining ``cohorts``. Filled from the cohorts here; the recount writes them from then on.

Revision ID: 0032_totals_cohort
Revises: 0031_group_center_days
Create Date: 2026-12-06 19:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032_totals_cohort'
down_revision = '0031_group_center_days'
branch_labels = None
depends_on = None

TABLES = ('report_cohort_totals', 'report_group_totals')
COLUMNS = (('center_id', sa.Integer()), ('start_date', sa.Date()), ('end_date', sa.Date()))


def backfill(table: str) -> str:
    """The SQL that fills the kept columns of ``table`` from the cohorts (SQLite and PostgreSQL): one
    UPDATE for the three, so one new version of each row, not three (tests/test_reports_center_days.py)."""
    return f"UPDATE {table} SET " + ", ".join(
        f"{name} = (SELECT cohorts.{name} FROM cohorts WHERE cohorts.id = {table}.cohort_id)" for name, _ in COLUMNS)


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, kind in COLUMNS:
                batch_op.add_column(sa.Column(name, kind, nullable=True))
        op.execute(backfill(table))
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, kind in COLUMNS:
                batch_op.alter_column(name, existing_type=kind, nullable=False)


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _ in COLUMNS:
                batch_op.drop_column(name)
