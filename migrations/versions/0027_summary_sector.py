"""report summary: a representative flag per (placement, sector) (issue 17, objectives on a sector)

Each row of ``report_cohort_placements`` keeps its course's sector and, like the other groupings,
a flag on the one row (lowest cohort id) that represents the placement in its sector with the start
of the same trainee's previous flagged row in that sector (``sector_id``, ``rep_sector``,
``prev_sector``): people placed and placements in a sector, nationally, are filtered counts of
flagged rows instead of DISTINCT and a pass per person.

A summary built before this revision has no such values: on a database that holds enrollments the
state row is removed, so the reports read the live tables until ``talent reports rebuild-summary``
has run; an empty database keeps its (empty, current) summary.

Revision ID: 0027_summary_sector
Revises: 0026_summary_center_days
Create Date: 2026-12-06 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_summary_sector'
down_revision = '0026_summary_center_days'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    rebuild = bind.execute(sa.text("SELECT id FROM enrollments LIMIT 1")).first() is not None
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sector_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rep_sector', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('prev_sector', sa.Date(), nullable=True))
    if rebuild:
        op.execute("DELETE FROM report_summary_state")
        print("The report summary now keeps a flag per placement and sector and must be rebuilt: "
              "reports read the live tables until `talent reports rebuild-summary` has run.")


def downgrade():
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.drop_column('prev_sector')
        batch_op.drop_column('rep_sector')
        batch_op.drop_column('sector_id')
