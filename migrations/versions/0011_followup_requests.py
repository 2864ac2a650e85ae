"""follow-up waves (private one-time links at 3, 6 and 12 months) and the trainees' private
calendar feeds

Revision ID: 0011_followup_requests
Revises: 0008
Create Date: 2026-12-05 22:45:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0011_followup_requests'
down_revision = '0010_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'followup_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('trainee_id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('wave', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=12), nullable=True),
        sa.Column('pay_band', sa.String(length=12), nullable=True),
        sa.Column('placement_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('wave IN (3, 6, 12)', name=op.f('ck_followup_requests_wave')),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('employed', 'not_working', 'studying')",
                           name=op.f('ck_followup_requests_outcome')),
        sa.CheckConstraint("pay_band IS NULL OR pay_band IN ('lt500', '500_999', '1000_1999', '2000_3499', "
                           "'3500_plus', 'undisclosed')", name=op.f('ck_followup_requests_pay_band')),
        sa.CheckConstraint("language IN ('az', 'en', 'ru')", name=op.f('ck_followup_requests_language')),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_followup_requests_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'],
                                name=op.f('fk_followup_requests_enrollment_id_enrollments'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['placement_id'], ['placements.id'],
                                name=op.f('fk_followup_requests_placement_id_placements'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['trainee_id'], ['trainees.id'], name=op.f('fk_followup_requests_trainee_id_trainees'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_requests')),
        sa.UniqueConstraint('enrollment_id', 'wave', name=op.f('uq_followup_requests_enrollment_id_wave')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_followup_requests_token_hash')),
    )
    with op.batch_alter_table('followup_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followup_requests_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_requests_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_followup_requests_trainee_id'), ['trainee_id'], unique=False)
    op.create_table(
        'calendar_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trainee_id', sa.Integer(), nullable=False),
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['trainee_id'], ['trainees.id'], name=op.f('fk_calendar_feeds_trainee_id_trainees'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
        sa.UniqueConstraint('trainee_id', name=op.f('uq_calendar_feeds_trainee_id')),
    )


def downgrade():
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('followup_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_followup_requests_trainee_id'))
        batch_op.drop_index(batch_op.f('ix_followup_requests_sent_at'))
        batch_op.drop_index(batch_op.f('ix_followup_requests_cohort_id'))
    op.drop_table('followup_requests')
