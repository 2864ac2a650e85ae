"""report summary: representative rows of the cohorts' placements (one flagged row per placement
and group, so that the ministry pages sum placements instead of deduplicating them) and the groups
kept with each row, issue 17

A summary built before this revision has no flags: on a database that holds enrollments the state
row is removed, so the reports read the live tables until ``talent reports rebuild-summary`` has
run; an empty database keeps its (empty, current) summary.

Revision ID: 0022_summary_people
Revises: 0021_placement_vacancy
Create Date: 2026-12-06 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_summary_people'
down_revision = '0021_placement_vacancy'
branch_labels = None
depends_on = None

FLAGS = ('rep_all', 'rep_region', 'rep_center', 'rep_course', 'rep_age')


GROUPS = (('region_id', sa.Integer()), ('center_id', sa.Integer()), ('course_id', sa.Integer()),
          ('gender', sa.String(length=1)), ('age_band', sa.String(length=16)), ('home', sa.String(length=8)))


def upgrade():
    bind = op.get_bind()
    rebuild = bind.execute(sa.text("SELECT id FROM enrollments LIMIT 1")).first() is not None
    # The rows are rewritten by the rebuild the summary needs anyway (their new columns have no value).
    op.execute("DELETE FROM report_cohort_placements")
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        for name, type_ in GROUPS:
            batch_op.add_column(sa.Column(name, type_, nullable=False))
        for name in FLAGS:
            batch_op.add_column(sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))
    if rebuild:
        op.execute("DELETE FROM report_summary_state")
        print("The report summary now flags representative placement rows and must be rebuilt: reports read "
              "the live tables until `talent reports rebuild-summary` has run.")


def downgrade():
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        for name in reversed(FLAGS):
            batch_op.drop_column(name)
        for name, _ in reversed(GROUPS):
            batch_op.drop_column(name)
