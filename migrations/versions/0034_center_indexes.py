"""report summary: one center's placement rows as an index range (issue 17, the center drill-down at 1M)

``report_cohort_placements (center_id, start_date)``: the ministry's drill-down into one center reads
that center's placement rows of a period (its per-course placements) through it instead of scanning a
whole year's rows (45 -> 21 ms at 1M). The same index on ``report_cohort_days (center_id, day)`` was
tried and left out: with the default planner costs PostgreSQL kept the parallel scan of the day index.

Revision ID: 0034_center_indexes
Revises: 0033_mobility_months
Create Date: 2026-12-06 20:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0034_center_indexes'
down_revision = '0033_mobility_months'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.create_index('ix_report_cohort_placements_center_id_start_date', ['center_id', 'start_date'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.drop_index('ix_report_cohort_placements_center_id_start_date')
