"""cohorts: one index on (center_id, end_date) instead of (center_id), so whether a center ran a cohort
in a period is one probe (issue 17, the centers column of every ministry page)

The reports' "centers" figure counts the centers that ran a matching cohort (not cancelled) overlapping
the period. Counted as distinct centers over every such cohort it read 19,717 cohorts at 1M for the
national dashboard (18 ms); as "the centers with such a cohort" it is one probe per center, and on this
index each probe starts at the center's first cohort ending in the period (7.5 -> 0.6 ms). The index
leads with center_id, so it serves every look-up by center the old one did.

Revision ID: 0039_cohort_center_end
Revises: 0038_followup_request_center
Create Date: 2026-12-07 12:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0039_cohort_center_end'
down_revision = '0038_followup_request_center'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.create_index('ix_cohorts_center_id_end_date', ['center_id', 'end_date'], unique=False)
        batch_op.drop_index('ix_cohorts_center_id')


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.create_index('ix_cohorts_center_id', ['center_id'], unique=False)
        batch_op.drop_index('ix_cohorts_center_id_end_date')
