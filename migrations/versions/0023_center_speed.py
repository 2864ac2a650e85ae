"""learning, placement: partial indexes for the follow-up queue (issue 17, center pages)

The queue and the center dashboard's "follow-ups due" walk the completers of a center's cohorts
(``ix_enrollments_completed_cohort_id``, index-only with the trainee id) and ask, per completer,
whether they hold a job the center sees (``ix_placements_held_trainee_id``: the jobs not rejected,
with the end date, source and recording center; index-only). docs/performance.md, "The follow-up
queue in one pass".

Revision ID: 0023_center_speed
Revises: 0022_summary_people
Create Date: 2026-12-06 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_center_speed'
down_revision = '0022_summary_people'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index('ix_enrollments_completed_cohort_id', ['cohort_id'], unique=False,
                              postgresql_include=['trainee_id'],
                              sqlite_where=sa.text("status = 'completed'"),
                              postgresql_where=sa.text("status = 'completed'"))
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.create_index('ix_placements_held_trainee_id', ['trainee_id'], unique=False,
                              postgresql_include=['end_date', 'source', 'center_id'],
                              sqlite_where=sa.text("verification <> 'rejected'"),
                              postgresql_where=sa.text("verification <> 'rejected'"))


def downgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index('ix_placements_held_trainee_id')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_completed_cohort_id')
