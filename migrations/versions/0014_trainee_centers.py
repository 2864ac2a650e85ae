"""people: trainee–center membership (issue 17), backfilled from "registered by OR enrolled at"

A trainee belongs to the center that registered them and to every center holding an enrollment of
theirs in a status that gives access (enrolled, completed, failed): the rule of
``talent.learning.scoping``, kept from now on as rows by the services (``talent.learning.membership``)
so center pages and permission checks read one indexed table.

Revision ID: 0014_trainee_centers
Revises: 0013_summary_dims
Create Date: 2026-12-06 02:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0014_trainee_centers'
down_revision = '0013_summary_dims'
branch_labels = None
depends_on = None

# The rule as it stood when this revision was written (the statuses are fixed here on purpose: a
# migration replays history, it does not follow later code). "registered" > "enrolled", so max()
# keeps registration when both hold.
BACKFILL = """
INSERT INTO trainee_centers (trainee_id, center_id, via, since)
SELECT trainee_id, center_id, max(via), min(since) FROM (
    SELECT id AS trainee_id, registered_by_center_id AS center_id, 'registered' AS via, created_at AS since
    FROM trainees WHERE registered_by_center_id IS NOT NULL
    UNION ALL
    SELECT e.trainee_id, c.center_id, 'enrolled', coalesce(e.enrolled_at, e.applied_at)
    FROM enrollments e JOIN cohorts c ON c.id = e.cohort_id
    WHERE e.status IN ('enrolled', 'completed', 'failed')
) AS rule
GROUP BY trainee_id, center_id
"""


def upgrade():
    op.create_table('trainee_centers',
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=12), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("via IN ('registered', 'enrolled')", name=op.f('ck_trainee_centers_via')),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_trainee_centers_center_id_centers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trainee_id'], ['trainees.id'], name=op.f('fk_trainee_centers_trainee_id_trainees'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('center_id', 'trainee_id', name=op.f('pk_trainee_centers'))
    )
    op.execute(BACKFILL)
    with op.batch_alter_table('trainee_centers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trainee_centers_trainee_id_center_id'), ['trainee_id', 'center_id'], unique=False)


def downgrade():
    with op.batch_alter_table('trainee_centers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainee_centers_trainee_id_center_id'))
    op.drop_table('trainee_centers')
