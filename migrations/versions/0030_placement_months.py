"""report summary: placement rows added up per month (issue 17, ministry pages at 1M)

``report_placement_months`` holds the representative rows of ``report_cohort_placements`` added up
per grouping (national, region, center, sector), month of the start, market and quarter of the
previous start in the group, so the national and regional placement figures of a year sum about
13,000 rows instead of scanning 440,000 at 1,000,000 trainees. Each placement row now keeps its
employer's market (``report_cohort_placements.market``), what the roll-up is added up by.

A summary built before this revision has no markets on its rows: on a database that holds
enrollments its placement rows are removed with the state row, so the reports read the live tables
until ``talent reports rebuild-summary`` has run; an empty database keeps its (empty, current) summary.

Revision ID: 0030_placement_months
Revises: 0029_kept_snapshots
Create Date: 2026-12-06 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_placement_months'
down_revision = '0029_kept_snapshots'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    rebuild = bind.execute(sa.text("SELECT id FROM enrollments LIMIT 1")).first() is not None
    if rebuild:
        op.execute("DELETE FROM report_summary_state")
    op.execute("DELETE FROM report_cohort_placements")
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('market', sa.String(length=16), nullable=False))
    op.create_table(
        'report_placement_months',
        sa.Column('scope', sa.String(length=8), nullable=False),
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('market', sa.String(length=16), nullable=False),
        sa.Column('prev_quarter', sa.Date(), nullable=False),
        sa.Column('placements', sa.Integer(), nullable=False),
        sa.Column('pkey', sa.Integer(), nullable=False),
        sa.Column('tkey', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope', 'group_id', 'month', 'market', 'prev_quarter',
                                name=op.f('pk_report_placement_months')),
    )
    if rebuild:
        print("The report summary now keeps placements per month and must be rebuilt: "
              "reports read the live tables until `talent reports rebuild-summary` has run.")


def downgrade():
    op.drop_table('report_placement_months')
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.drop_column('market')
