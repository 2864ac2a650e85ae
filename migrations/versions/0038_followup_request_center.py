"""self-service follow-up links carry their cohort's center, so a center's links are one index range
(issue 17, the follow-up queue at 1M)

``followup_requests.center_id`` is the center of the link's cohort. A link is sent for a completed
enrollment, and a cohort with enrollments cannot move to another center
(``learning.services.cohorts.update_cohort``), so the copy never goes stale. The follow-up queue's
links section counted a center's links through its cohorts' ids: at 1M the Baku administrator's two
centers ran 10,397 cohorts, one index descent each (11-14 ms for the count, 8-11 ms for the count of
cohorts with links); on ``(center_id, cohort_id)`` both are one range.

Revision ID: 0038_followup_request_center
Revises: 0037_membership_names
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0038_followup_request_center'
down_revision = '0037_membership_names'
branch_labels = None
depends_on = None


#: Each link's center from its cohort (also run by tests/test_followup_waves.py).
CENTERS = ("UPDATE followup_requests SET center_id = "
           "(SELECT c.center_id FROM cohorts c WHERE c.id = followup_requests.cohort_id)")


def upgrade():
    with op.batch_alter_table('followup_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('center_id', sa.Integer(), nullable=True))
    op.execute(CENTERS)
    with op.batch_alter_table('followup_requests', schema=None) as batch_op:
        batch_op.alter_column('center_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_followup_requests_center_id_cohort_id', ['center_id', 'cohort_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_followup_requests_center_id_centers'), 'centers', ['center_id'],
                                    ['id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('followup_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_followup_requests_center_id_centers'), type_='foreignkey')
        batch_op.drop_index('ix_followup_requests_center_id_cohort_id')
        batch_op.drop_column('center_id')
