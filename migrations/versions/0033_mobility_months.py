"""report summary: placements per region, month and employer (issue 17, mobility at 1M)

``report_placement_employer_months`` holds the representative placement rows per region of
``report_cohort_placements`` added up per (region, month of the start, employer), so the mobility
report of a year sums about 16,000 rows instead of scanning 157,000 at 1,000,000 trainees. Filled here
from the placement rows; the recount keeps it from then on.

Revision ID: 0033_mobility_months
Revises: 0032_totals_cohort
Create Date: 2026-12-06 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033_mobility_months'
down_revision = '0032_totals_cohort'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_placement_employer_months',
        sa.Column('region_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('employer_id', sa.Integer(), nullable=False),
        sa.Column('placements', sa.Integer(), nullable=False),
        sa.Column('pkey', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('region_id', 'month', 'employer_id', name=op.f('pk_report_placement_employer_months')),
    )
    op.execute(backfill(op.get_bind().dialect.name))


def backfill(dialect: str) -> str:
    """The SQL that fills the table from the placement rows flagged per region
    (tests/test_reports_placement_months.py)."""
    month = ("CAST(date_trunc('month', start_date) AS DATE)" if dialect == "postgresql"
             else "date(start_date, 'start of month')")
    return (f"INSERT INTO report_placement_employer_months (region_id, month, employer_id, placements, pkey) "
            f"SELECT region_id, {month}, employer_id, count(*), sum(pkey) FROM report_cohort_placements "
            f"WHERE rep_region GROUP BY region_id, {month}, employer_id")


def downgrade():
    op.drop_table('report_placement_employer_months')
