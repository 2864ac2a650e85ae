"""report summary: people placed as a filtered count (issue 17, ministry pages at 1M)

Each flagged row of ``report_cohort_placements`` keeps, per grouping, the start of the same
trainee's previous flagged row in the same group (``prev_all`` … ``prev_age``), so that the people
placed in a group in any period are the rows starting in the period whose previous row started
before it: a filtered count instead of one aggregate per person (a sort that spilled to disk at
1M). An index on ``trainee_id`` lets a recount read one trainee's rows.

A summary built before this revision has no such values: on a database that holds enrollments the
state row is removed, so the reports read the live tables until ``talent reports rebuild-summary``
has run; an empty database keeps its (empty, current) summary.

Revision ID: 0024_summary_first_job
Revises: 0023_center_speed
Create Date: 2026-12-06 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_summary_first_job'
down_revision = '0023_center_speed'
branch_labels = None
depends_on = None

PREVIOUS = ('prev_all', 'prev_region', 'prev_center', 'prev_course', 'prev_age')


def upgrade():
    bind = op.get_bind()
    rebuild = bind.execute(sa.text("SELECT id FROM enrollments LIMIT 1")).first() is not None
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        for name in PREVIOUS:
            batch_op.add_column(sa.Column(name, sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_report_cohort_placements_trainee_id'), ['trainee_id'], unique=False)
    if rebuild:
        op.execute("DELETE FROM report_summary_state")
        print("The report summary now keeps each placed trainee's previous job per group and must be rebuilt: "
              "reports read the live tables until `talent reports rebuild-summary` has run.")


def downgrade():
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_cohort_placements_trainee_id'))
        for name in reversed(PREVIOUS):
            batch_op.drop_column(name)
