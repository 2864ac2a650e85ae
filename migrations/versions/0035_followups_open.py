"""follow-up queue: the follow-ups still to make, and the centers that see each reported job, kept as
rows (issue 17, the center dashboard, the follow-up queue and the jobs list at 1M)

``follow_ups_open`` holds one row per completed enrollment and milestone (3, 6 months) whose trainee
consents, with no outcome recorded for the milestone and no job held at or after the cohort's end that
the cohort's own center sees (talent/placement/followup_queue.py). Filled here from the live tables by
the same rule; the writes keep it from then on. ``reported_job_centers`` holds every job a trainee
reported once per center the trainee belongs to, filled here the same way. No foreign keys (the model
says why). ``ix_placements_recorded_center_id_verification``: the jobs a center recorded, counted per
verification from the index alone.

Revision ID: 0035_followups_open
Revises: 0034_center_indexes
Create Date: 2026-12-06 22:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035_followups_open'
down_revision = '0034_center_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'follow_ups_open',
        sa.Column('enrollment_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('milestone_months', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('trainee_id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('center_id', sa.Integer(), nullable=False),
        sa.Column('cohort_end', sa.Date(), nullable=False),
        sa.Column('cohort_code', sa.String(length=40), nullable=False),
        sa.Column('last_name', sa.String(length=100), nullable=False),
        sa.Column('first_name', sa.String(length=100), nullable=False),
        sa.Column('job_elsewhere', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('enrollment_id', 'milestone_months', name=op.f('pk_follow_ups_open')),
    )
    with op.batch_alter_table('follow_ups_open', schema=None) as batch_op:
        batch_op.create_index('ix_follow_ups_open_center_id_milestone_months_cohort_end',
                              ['center_id', 'milestone_months', 'cohort_end'], unique=False,
                              postgresql_include=['job_elsewhere', 'trainee_id', 'enrollment_id', 'cohort_id',
                                                  'cohort_code', 'last_name', 'first_name'])
        batch_op.create_index(batch_op.f('ix_follow_ups_open_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index('ix_follow_ups_open_trainee_id', ['trainee_id'], unique=False)
    op.execute(BACKFILL)
    op.create_table(
        'reported_job_centers',
        sa.Column('placement_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('center_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('trainee_id', sa.Integer(), nullable=False),
        sa.Column('verification', sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint('placement_id', 'center_id', name=op.f('pk_reported_job_centers')),
    )
    with op.batch_alter_table('reported_job_centers', schema=None) as batch_op:
        batch_op.create_index('ix_reported_job_centers_center_id_verification', ['center_id', 'verification'],
                              unique=False)
        batch_op.create_index('ix_reported_job_centers_trainee_id', ['trainee_id'], unique=False)
    op.execute(REPORTED_BACKFILL)
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.create_index('ix_placements_recorded_center_id_verification', ['center_id', 'verification'],
                              unique=False, sqlite_where=sa.text("source = 'center'"),
                              postgresql_where=sa.text("source = 'center'"))


# The rule of talent/placement/followup_queue.py, as it stands at this revision
# (tests/test_followup_queue.py compares what it inserts with the rule).
_HELD = ("SELECT 1 FROM placements p WHERE p.trainee_id = e.trainee_id AND p.verification <> 'rejected' "
         "AND (p.end_date IS NULL OR p.end_date >= c.end_date)")
BACKFILL = (
    "INSERT INTO follow_ups_open (enrollment_id, milestone_months, trainee_id, cohort_id, center_id, cohort_end, "
    "cohort_code, last_name, first_name, job_elsewhere) "
    "SELECT e.id, m.months, e.trainee_id, c.id, c.center_id, c.end_date, c.code, t.last_name, t.first_name, "
    f"EXISTS ({_HELD} AND p.source = 'center' AND (p.center_id IS NULL OR p.center_id <> c.center_id)) "
    "FROM enrollments e JOIN cohorts c ON c.id = e.cohort_id JOIN trainees t ON t.id = e.trainee_id "
    "CROSS JOIN (SELECT 3 AS months UNION ALL SELECT 6 AS months) m "
    "WHERE e.status = 'completed' AND t.followup_consent "
    f"AND NOT EXISTS ({_HELD} AND (p.source <> 'center' OR p.center_id = c.center_id)) "
    "AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.enrollment_id = e.id AND f.milestone_months = m.months)"
)

REPORTED_BACKFILL = (
    "INSERT INTO reported_job_centers (placement_id, center_id, trainee_id, verification) "
    "SELECT p.id, tc.center_id, p.trainee_id, p.verification FROM placements p "
    "JOIN trainee_centers tc ON tc.trainee_id = p.trainee_id WHERE p.source <> 'center'"
)


def downgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_index('ix_placements_recorded_center_id_verification', sqlite_where=sa.text("source = 'center'"),
                            postgresql_where=sa.text("source = 'center'"))
    op.drop_table('reported_job_centers')
    op.drop_table('follow_ups_open')
